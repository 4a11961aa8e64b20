"""Prefect flows: the scheduled daily batch and the per-portfolio backfill.

The flows only orchestrate: every step is a function of :mod:`flows.steps`. I/O
tasks retry with a backoff list; a dbt failure raises and fails the flow, and
because the marts are built last, a failed run leaves the previous marts in place.

Schedules (America/New_York, weekdays; see :mod:`flows.deployments`):
market data 16:00 (timeout 300 s, 3 retries), risk metrics 17:00 (600 s, 2 retries),
snapshots 17:30 (300 s, 2 retries).

Progress and bookkeeping. ``daily_update`` and ``portfolio_backfill`` report progress
as a Prefect progress artifact. When started for an ``app.batch_runs`` row (the API's
``submit_*`` functions pass its id as the ``batch_run_id`` parameter, see
:mod:`flows.pipeline`), the flow also keeps that row up to date itself: ``running``
with a progress fraction and message per step, then ``completed`` (with the step
report merged into ``details``), ``skipped`` (not an XNYS session) or ``failed``
(the error; a crash or cancellation is recorded by a state hook). The market-data
loader writes the per-symbol progress of the same id to
``app.historical_backfill_progress``.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_progress_artifact, update_progress_artifact

from api.data_version import bump_warehouse
from flows import steps
from flows.batch_runs import merge_batch_run_details, update_batch_run
from ingest.calendar import is_session
from ingest.config import get_settings
from ingest.warehouse import get_warehouse

NEW_YORK = ZoneInfo("America/New_York")


@task(retries=3, retry_delay_seconds=[10, 30, 90], timeout_seconds=300)
def load_prices(as_of: dt.date | None, batch_run_id: str | None = None) -> dict[str, Any]:
    settings = get_settings()
    return steps.load_prices_step(get_warehouse(settings), settings, as_of,
                                  batch_run_id=batch_run_id)


@task(timeout_seconds=600)
def dbt_stage1() -> None:
    steps.dbt_stage1_step(get_settings())


@task(timeout_seconds=600)
def compute_risk(as_of: dt.date | None) -> dict[str, Any]:
    settings = get_settings()
    return steps.risk_step(get_warehouse(settings), settings, as_of)


@task(timeout_seconds=300)
def dbt_stage2() -> None:
    steps.dbt_stage2_step(get_settings())


class _Progress:
    """A run's progress: the Prefect progress artifact, and its ``app.batch_runs`` row
    when the run has one (``batch_run_id``)."""

    def __init__(self, description: str, batch_run_id: str | None):
        self.batch_run_id = batch_run_id
        self.artifact: UUID = create_progress_artifact(0.0, description=description)
        if batch_run_id:
            update_batch_run(self._warehouse(), batch_run_id, status="running", progress=0.0,
                             message=f"{description}: started")

    @staticmethod
    def _warehouse():
        return get_warehouse(get_settings())

    def step(self, percent: float, message: str) -> None:
        update_progress_artifact(self.artifact, percent, description=message)
        if self.batch_run_id:
            update_batch_run(self._warehouse(), self.batch_run_id, progress=percent / 100,
                             message=message)

    def completed(self, report: dict[str, Any]) -> None:
        if self.batch_run_id:
            merge_batch_run_details(self._warehouse(), self.batch_run_id, report,
                                    status="completed", progress=1.0, message="completed")

    def failed(self, error: BaseException) -> None:
        if self.batch_run_id:
            _mark_failed(self.batch_run_id, f"{type(error).__name__}: {error}")


def _data_changed() -> None:
    """Bump the warehouse data version: the API's response cache (``api.cache``) keys on
    it, and this process has just changed prices or marts behind the API's back."""
    bump_warehouse(get_warehouse(get_settings()))


def _mark_failed(batch_run_id: str, error: str) -> None:
    update_batch_run(get_warehouse(get_settings()), batch_run_id, status="failed",
                     error=error, message="failed; the previous marts are unchanged")


def _on_crash(flow_, flow_run, state) -> None:
    """State hook (crashed / cancelled): the flow body never got to record the end."""
    batch_run_id = (flow_run.parameters or {}).get("batch_run_id")
    if batch_run_id:
        _mark_failed(batch_run_id, f"flow run {flow_run.id} {state.type.value.lower()}: "
                                   f"{state.message or ''}".strip())


@flow(name="market-data", retries=3, retry_delay_seconds=60, timeout_seconds=300)
def market_data_flow(as_of: dt.date | None = None,
                     batch_run_id: str | None = None) -> dict[str, Any]:
    """Load end-of-day prices and reference data for every symbol held."""
    report = load_prices(as_of, batch_run_id)
    _data_changed()
    return report


@flow(name="risk-metrics", retries=2, retry_delay_seconds=60, timeout_seconds=600)
def risk_metrics_flow(as_of: dt.date | None = None) -> dict[str, Any]:
    """Stage-1 models, then betas, Greeks, risk metrics and VaR."""
    dbt_stage1()
    return compute_risk(as_of)


@flow(name="snapshots", retries=2, retry_delay_seconds=60, timeout_seconds=300)
def snapshots_flow() -> None:
    """Stage-2 marts: snapshots, position values and the risk marts."""
    dbt_stage2()
    _data_changed()


@contextmanager
def _timed(report: dict[str, Any], name: str) -> Iterator[None]:
    started = time.perf_counter()
    yield
    report["timings"][name] = round(time.perf_counter() - started, 3)


def _is_trading_day(day: dt.date | None) -> tuple[bool, dt.date]:
    day = day or get_settings().as_of_date or dt.datetime.now(NEW_YORK).date()
    return is_session(day), day


@flow(name="daily-update", on_crashed=[_on_crash], on_cancellation=[_on_crash])
def daily_update(as_of: dt.date | None = None,
                 batch_run_id: str | None = None) -> dict[str, Any]:
    """Market data, risk metrics and snapshots in order; a no-op off XNYS sessions.

    ``batch_run_id``: the ``app.batch_runs`` row this run reports to (set when the API
    triggered the deployment); scheduled and manual runs leave it empty.
    """
    logger = get_run_logger()
    trading, day = _is_trading_day(as_of)
    if not trading:
        message = f"{day} is not an XNYS session: nothing to do"
        logger.info(message)
        if batch_run_id:
            update_batch_run(get_warehouse(get_settings()), batch_run_id, status="skipped",
                             progress=1.0, message=message)
        return {"skipped": True, "day": str(day)}
    delay = get_settings().flow_retry_delay_seconds
    progress = _Progress("daily update", batch_run_id)
    report: dict[str, Any] = {"timings": {}}
    try:
        with _timed(report, "market_data"):
            report["market_data"] = market_data_flow.with_options(
                retry_delay_seconds=delay)(as_of, batch_run_id)
        progress.step(35.0, f"market data loaded: {len(report['market_data']['symbols'])} "
                            "symbols")
        with _timed(report, "risk_metrics"):
            report["risk"] = risk_metrics_flow.with_options(retry_delay_seconds=delay)(as_of)
        progress.step(80.0, "risk computed")
        with _timed(report, "snapshots"):
            snapshots_flow.with_options(retry_delay_seconds=delay)()
        progress.step(100.0, "marts rebuilt")
    except BaseException as error:
        progress.failed(error)
        raise
    progress.completed(report)
    return report


@flow(name="portfolio-backfill", timeout_seconds=1800, on_crashed=[_on_crash],
      on_cancellation=[_on_crash])
def portfolio_backfill(portfolio_id: int, batch_run_id: str | None = None) -> dict[str, Any]:
    """Load prices for the book (and every other book), then rebuild all models.

    ``portfolio_id`` names the book that triggered the run (after an upload); the
    models are rebuilt for every portfolio, since they are set-based and cheap.
    ``batch_run_id``: the ``app.batch_runs`` row this run reports to (API uploads).
    """
    progress = _Progress(f"backfill of portfolio {portfolio_id}", batch_run_id)
    try:
        market = load_prices(None, batch_run_id)
        _data_changed()
        progress.step(35.0, f"{len(market['symbols'])} symbols loaded")
        dbt_stage1()
        progress.step(60.0, "stage 1 built")
        risk = compute_risk(None)
        progress.step(80.0, "risk computed")
        dbt_stage2()
        _data_changed()
        progress.step(100.0, "marts rebuilt")
    except BaseException as error:
        progress.failed(error)
        raise
    report = {"portfolio_id": portfolio_id, "market_data": market, "risk": risk}
    progress.completed(report)
    return report
