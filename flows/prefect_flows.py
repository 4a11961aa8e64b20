"""Prefect flows: the scheduled daily batch and the per-portfolio backfill.

The flows only orchestrate: every step is a function of :mod:`flows.steps`. I/O
tasks retry with a backoff list; a dbt failure raises and fails the flow, and
because the marts are built last, a failed run leaves the previous marts in place.

Schedules (America/New_York, weekdays; see :mod:`flows.deployments`):
market data 16:00 (timeout 300 s, 3 retries), risk metrics 17:00 (600 s, 2 retries),
snapshots 17:30 (300 s, 2 retries).
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_progress_artifact, update_progress_artifact

from flows import steps
from ingest.calendar import is_session
from ingest.config import get_settings
from ingest.warehouse import get_warehouse

NEW_YORK = ZoneInfo("America/New_York")


@task(retries=3, retry_delay_seconds=[10, 30, 90], timeout_seconds=300)
def load_prices(as_of: dt.date | None) -> dict[str, Any]:
    settings = get_settings()
    return steps.load_prices_step(get_warehouse(settings), settings, as_of)


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


def _progress(artifact: UUID, percent: float, description: str) -> None:
    update_progress_artifact(artifact, percent, description=description)


@flow(name="market-data", retries=3, retry_delay_seconds=60, timeout_seconds=300)
def market_data_flow(as_of: dt.date | None = None) -> dict[str, Any]:
    """Load end-of-day prices and reference data for every symbol held."""
    return load_prices(as_of)


@flow(name="risk-metrics", retries=2, retry_delay_seconds=60, timeout_seconds=600)
def risk_metrics_flow(as_of: dt.date | None = None) -> dict[str, Any]:
    """Stage-1 models, then betas, Greeks, risk metrics and VaR."""
    dbt_stage1()
    return compute_risk(as_of)


@flow(name="snapshots", retries=2, retry_delay_seconds=60, timeout_seconds=300)
def snapshots_flow() -> None:
    """Stage-2 marts: snapshots, position values and the risk marts."""
    dbt_stage2()


def _is_trading_day(day: dt.date | None) -> tuple[bool, dt.date]:
    day = day or get_settings().as_of_date or dt.datetime.now(NEW_YORK).date()
    return is_session(day), day


@flow(name="daily-update")
def daily_update(as_of: dt.date | None = None) -> dict[str, Any]:
    """Market data, risk metrics and snapshots in order; a no-op off XNYS sessions."""
    logger = get_run_logger()
    trading, day = _is_trading_day(as_of)
    if not trading:
        logger.info("%s is not an XNYS session: nothing to do", day)
        return {"skipped": True, "day": str(day)}
    delay = get_settings().flow_retry_delay_seconds
    artifact = create_progress_artifact(0.0, description="daily update")
    report = {"market_data": market_data_flow.with_options(retry_delay_seconds=delay)(as_of)}
    _progress(artifact, 40.0, "market data loaded")
    report["risk"] = risk_metrics_flow.with_options(retry_delay_seconds=delay)(as_of)
    _progress(artifact, 80.0, "risk computed")
    snapshots_flow.with_options(retry_delay_seconds=delay)()
    _progress(artifact, 100.0, "marts rebuilt")
    return report


@flow(name="portfolio-backfill", timeout_seconds=1800)
def portfolio_backfill(portfolio_id: int) -> dict[str, Any]:
    """Load prices for the book (and every other book), then rebuild all models.

    ``portfolio_id`` names the book that triggered the run (after an upload); the
    models are rebuilt for every portfolio, since they are set-based and cheap.
    """
    artifact = create_progress_artifact(0.0, description=f"backfill of portfolio {portfolio_id}")
    market = load_prices(None)
    _progress(artifact, 40.0, f"{len(market['symbols'])} symbols loaded")
    dbt_stage1()
    _progress(artifact, 60.0, "stage 1 built")
    risk = compute_risk(None)
    _progress(artifact, 80.0, "risk computed")
    dbt_stage2()
    _progress(artifact, 100.0, "marts rebuilt")
    return {"portfolio_id": portfolio_id, "market_data": market, "risk": risk}
