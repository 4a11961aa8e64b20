"""Prefect flows: the scheduled daily batch and the per-portfolio backfill.

The flows only orchestrate the plan of :mod:`flows.plan`: each step runs as a Prefect task
with the step's retry and timeout policy (the risk step's shards as nested ``risk-shard``
tasks on threads or a Dask cluster: :func:`flows.risk_fanout.prefect_shards`); a dbt
failure raises and fails the flow, and
the run's message says exactly what a failed run published
(:func:`flows.plan.failure_message`).

Deployments (:mod:`flows.deployments`): the three scheduled flows run slices of the plan —
``market-data`` (the market-data step; 16:00 America/New_York, weekdays), ``risk-metrics``
(stage 1 and the risk step; 17:00) and ``snapshots`` (stage 2; 17:30); the on-demand
``daily-update`` runs the three as sub-flows and ``portfolio-backfill`` the whole plan.

Progress and bookkeeping go through one :class:`~flows.progress.BatchReporter`: a Prefect
progress artifact, and the run's ``app.batch_runs`` row when the flow was started for one
(the API's submit functions pass its id as ``batch_run_id``): ``running`` with a fraction
per step, then ``completed`` (the step report merged into ``details``), ``skipped`` (not an
XNYS session) or ``failed`` (the error; a crash or cancellation is recorded by a state
hook). The market-data loader writes the per-symbol progress of the same id to
``app.historical_backfill_progress``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast
from uuid import UUID

from prefect import Flow, State, flow, get_run_logger, task
from prefect.artifacts import create_progress_artifact, update_progress_artifact
from prefect.client.schemas.objects import FlowRun

from flows.plan import STEPS, BatchContext, Step, execute_plan, progress_after
from flows.progress import BatchReporter
from flows.risk_fanout import prefect_shards
from ingest.calendar import off_session_reason, today_in_new_york
from ingest.config import get_settings
from ingest.rate_limit import Priority
from ingest.warehouse import get_warehouse
from ingest.warehouse.batch_runs import create_batch_run

#: the separately scheduled flows, each a slice of the plan
SLICES: dict[str, tuple[str, ...]] = {
    "market-data": ("market_data",),
    "risk-metrics": ("dbt_stage1", "risk"),
    "snapshots": ("dbt_stage2",),
}


@task
def run_step(name: str, as_of: dt.date | None, batch_run_id: str | None,
             priority: Priority = "batch") -> Any:
    """One step of the plan, in this process's configured warehouse."""
    settings = get_settings()
    return STEPS[name].run(BatchContext(settings, get_warehouse(settings), as_of,
                                        batch_run_id, priority,
                                        shard_runner=prefect_shards(settings)))


def _as_task(step: Step, ctx: BatchContext) -> Any:
    options: dict[str, Any] = {"name": step.name, "timeout_seconds": step.timeout(ctx)}
    if step.retry_delays:
        options.update(retries=len(step.retry_delays),
                       retry_delay_seconds=list(step.retry_delays))
    return run_step.with_options(**options)(step.name, ctx.as_of, ctx.batch_run_id,
                                            ctx.priority)


def _reporter(description: str, batch_run_id: str | None) -> BatchReporter | None:
    """The run's reporter, or None when its row was superseded while queued."""
    artifact = cast(UUID, create_progress_artifact(0.0, description=description))

    def to_artifact(fraction: float, message: str) -> None:
        update_progress_artifact(artifact, fraction * 100, description=message)

    reporter = BatchReporter(get_warehouse(get_settings()), batch_run_id, sinks=[to_artifact])
    if not reporter.started(f"{description}: started"):
        get_run_logger().info("batch run %s was superseded while queued", batch_run_id)
        return None
    return reporter


def _run_slice(names: tuple[str, ...], as_of: dt.date | None,
               batch_run_id: str | None = None, reporter: BatchReporter | None = None,
               priority: Priority = "batch") -> dict[str, Any]:
    settings = get_settings()
    ctx = BatchContext(settings, get_warehouse(settings), as_of, batch_run_id, priority)
    return execute_plan(ctx, [STEPS[name] for name in names], call=_as_task,
                        reporter=reporter)


def _skip_off_session(kind: str, as_of: dt.date | None,
                      batch_run_id: str | None = None) -> dict[str, Any] | None:
    """A recorded no-op when the run's day is not an XNYS session (weekend, holiday).

    The day is ``as_of``, the pinned as-of date or today in New York; the no-op is the
    run's ``app.batch_runs`` row set to ``skipped`` (a new row of ``kind`` for a
    scheduled run). Half days are sessions: the flows run after their 13:00 close.
    """
    day = as_of or get_settings().as_of_date or today_in_new_york()
    skip = off_session_reason(day)
    if not skip:
        return None
    get_run_logger().info(skip)
    warehouse = get_warehouse(get_settings())
    BatchReporter(warehouse, batch_run_id or create_batch_run(warehouse, kind)).skipped(skip)
    return {"skipped": True, "day": str(day)}


@flow(name="market-data", retries=3, retry_delay_seconds=60)
def market_data_flow(as_of: dt.date | None = None,
                     batch_run_id: str | None = None) -> dict[str, Any]:
    """Load end-of-day prices and reference data for every symbol held.

    No constant flow timeout: the step's task timeout comes from the request plan made
    at the start (:meth:`flows.plan.Step.timeout`), which the free tier's rate can meet.
    """
    skipped = _skip_off_session("market_data", as_of, batch_run_id)
    if skipped is not None:
        return {"timings": {}, **skipped}
    return _run_slice(SLICES["market-data"], as_of, batch_run_id)


@flow(name="risk-metrics", retries=2, retry_delay_seconds=60, timeout_seconds=600)
def risk_metrics_flow(as_of: dt.date | None = None) -> dict[str, Any]:
    """Stage-1 models, then betas, Greeks, risk metrics and VaR."""
    skipped = _skip_off_session("risk_metrics", as_of)
    if skipped is not None:
        return {"timings": {}, **skipped}
    return _run_slice(SLICES["risk-metrics"], as_of)


@flow(name="snapshots", retries=2, retry_delay_seconds=60, timeout_seconds=300)
def snapshots_flow(as_of: dt.date | None = None) -> dict[str, Any]:
    """Stage-2 marts: snapshots, position values and the risk marts (``as_of`` only
    decides the off-session no-op; the marts follow the loaded sessions)."""
    skipped = _skip_off_session("snapshots", as_of)
    if skipped is not None:
        return {"timings": {}, **skipped}
    return _run_slice(SLICES["snapshots"], None)


@flow(name="cache-warming", retries=1, retry_delay_seconds=300)
def cache_warming_flow(as_of: dt.date | None = None) -> dict[str, Any]:
    """Off-peak: refresh reference data past its TTL and verify the recent bars.

    The market-data step at ``backfill`` priority (below uploads and the scheduled batch
    sharing the rate): sector, industry and short interest older than the TTL are
    fetched again, and a bar stored before its session's close was final is refetched.
    """
    skipped = _skip_off_session("cache_warming", as_of)
    if skipped is not None:
        return {"timings": {}, **skipped}
    return _run_slice(SLICES["market-data"], as_of, priority="backfill")


def _on_crash(flow: Flow[..., Any], flow_run: FlowRun, state: State[Any]) -> None:
    """State hook (crashed / cancelled): the flow body never got to record the end."""
    batch_run_id = (flow_run.parameters or {}).get("batch_run_id")
    if batch_run_id:
        BatchReporter(get_warehouse(get_settings()), batch_run_id).failed(
            f"flow run {flow_run.id} {state.type.value.lower()}: {state.message or ''}".strip())


def _merge(report: dict[str, Any], part: dict[str, Any]) -> None:
    report["timings"].update(part.pop("timings"))
    report.update(part)


@flow(name="daily-update", on_crashed=[_on_crash], on_cancellation=[_on_crash])
def daily_update(as_of: dt.date | None = None,
                 batch_run_id: str | None = None) -> dict[str, Any]:
    """Market data, risk metrics and snapshots in order; a no-op off XNYS sessions.

    ``batch_run_id``: the ``app.batch_runs`` row this run reports to (set when the API
    triggered the deployment); scheduled and manual runs leave it empty.
    """
    skipped = _skip_off_session("daily_update", as_of, batch_run_id)
    if skipped is not None:
        return skipped
    delay = get_settings().flow_retry_delay_seconds
    reporter = _reporter("daily update", batch_run_id)
    if reporter is None:
        return {"superseded": True}
    report: dict[str, Any] = {"timings": {}}
    try:
        for sub_flow, arguments in ((market_data_flow, (as_of, batch_run_id)),
                                    (risk_metrics_flow, (as_of,)), (snapshots_flow, ())):
            _merge(report, sub_flow.with_options(retry_delay_seconds=delay)(*arguments))
            for name in SLICES[sub_flow.name]:
                reporter.step_done(name, progress_after(name))
    except BaseException as error:
        reporter.failed(error)
        raise
    reporter.completed(report)
    return report


@flow(name="portfolio-backfill", on_crashed=[_on_crash], on_cancellation=[_on_crash])
def portfolio_backfill(portfolio_id: int, batch_run_id: str | None = None) -> dict[str, Any]:
    """Load prices for the book (and every other book), then rebuild all models.

    ``portfolio_id`` names the book that triggered the run (after an upload); the
    models are rebuilt for every portfolio, since they are set-based and cheap.
    ``batch_run_id``: the ``app.batch_runs`` row this run reports to (API uploads).
    """
    reporter = _reporter(f"backfill of portfolio {portfolio_id}", batch_run_id)
    if reporter is None:
        return {"superseded": True, "portfolio_id": portfolio_id}
    try:
        report = _run_slice(tuple(STEPS), None, batch_run_id, reporter, priority="realtime")
    except BaseException as error:
        reporter.failed(error)
        raise
    report["portfolio_id"] = portfolio_id
    reporter.completed(report)
    return report
