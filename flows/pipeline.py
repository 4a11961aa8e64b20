"""Run the whole batch synchronously, or submit it to run in the background.

Where a submitted run executes:

* **Default (no ``PREFECT_API_URL`` in the environment)**: in this process, one run at
  a time, in a single worker thread. On DuckDB only one process may write the file,
  so the API process, which already holds it, runs its batches itself.
* **``PREFECT_API_URL`` set** (an operator runs ``make flows`` and points the API at
  that server): the submit functions trigger the deployments ``daily-update/daily-update``
  / ``portfolio-backfill/portfolio-backfill`` with ``run_deployment(..., timeout=0)``,
  passing the ``app.batch_runs`` id as the flow's ``batch_run_id`` parameter, and record
  the Prefect flow-run id in the run's ``details`` (``prefect_flow_run_id``). The flow,
  in the ``make flows`` process, then marks that row running / completed / failed
  itself. On DuckDB that process must be able to take the file: the API releases it
  when idle (``SIGMASIGHT_DUCKDB_IDLE_RELEASE_SECONDS``), and requests that arrive while
  a flow writes wait for it; PostgreSQL has no such limit. If the Prefect API cannot
  be reached the run is recorded as failed with the reason (never silently run here).

Either way the caller gets the run id at once and polls ``app.batch_runs``.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from zoneinfo import ZoneInfo

from api.data_version import bump_warehouse
from flows import steps
from flows.batch_runs import (
    create_batch_run,
    get_batch_run,
    merge_batch_run_details,
    update_batch_run,
)
from ingest.calendar import is_session
from ingest.config import Settings
from ingest.warehouse import Warehouse, get_warehouse

__all__ = ["get_batch_run", "run_pipeline", "submit_daily_update", "submit_portfolio_backfill"]

log = logging.getLogger(__name__)
Progress = Callable[[float, str], None]
_EXECUTOR: ThreadPoolExecutor | None = None


def run_pipeline(settings: Settings, *, warehouse: Warehouse | None = None,
                 as_of: dt.date | None = None,
                 progress: Progress | None = None,
                 batch_run_id: str | None = None) -> dict[str, Any]:
    """Load prices, build stage 1, run the risk step, build the marts; raise on failure.

    Returns per-step wall times (seconds) and the market-data report. With
    ``batch_run_id`` the loader's per-symbol progress is written to that run's
    ``app.historical_backfill_progress`` row.
    """
    warehouse = warehouse or get_warehouse(settings)
    report: dict[str, Any] = {"timings": {}}
    plan: list[tuple[str, float, Callable[[], Any]]] = [
        ("market_data", 0.35, lambda: steps.load_prices_step(warehouse, settings, as_of,
                                                             batch_run_id=batch_run_id)),
        ("dbt_stage1", 0.6, lambda: steps.dbt_stage1_step(settings)),
        ("risk", 0.8, lambda: steps.risk_step(warehouse, settings, as_of)),
        ("dbt_stage2", 1.0, lambda: steps.dbt_stage2_step(settings)),
    ]
    for name, done_fraction, step in plan:
        started = time.perf_counter()
        result = step()
        report["timings"][name] = round(time.perf_counter() - started, 3)
        if result is not None:
            report[name] = result
        if progress is not None:
            progress(done_fraction, f"{name} done")
    bump_warehouse(warehouse)  # the API's cached reads of the old marts are now stale
    return report


def _executor() -> ThreadPoolExecutor:
    global _EXECUTOR
    if _EXECUTOR is None:
        _EXECUTOR = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sigmasight-batch")
    return _EXECUTOR


def _run_tracked(settings: Settings, run_id: str, *, skip_reason: str | None = None) -> None:
    warehouse = get_warehouse(settings)
    if skip_reason:
        update_batch_run(warehouse, run_id, status="skipped", progress=1.0, message=skip_reason)
        return
    update_batch_run(warehouse, run_id, status="running", message="loading market data")
    try:
        report = run_pipeline(
            settings, warehouse=warehouse, batch_run_id=run_id,
            progress=lambda fraction, message: update_batch_run(
                warehouse, run_id, progress=fraction, message=message),
        )
    except Exception as error:  # noqa: BLE001 - recorded on the run, then re-raised to the log
        log.exception("batch run %s failed", run_id)
        update_batch_run(warehouse, run_id, status="failed", error=f"{type(error).__name__}: "
                         f"{error}", message="failed; the previous marts are unchanged")
        return
    update_batch_run(warehouse, run_id, status="completed", progress=1.0, message="completed",
                     details=report)


def prefect_api_url() -> str | None:
    """The Prefect server the batch is dispatched to (``PREFECT_API_URL``), or None."""
    return os.environ.get("PREFECT_API_URL") or None


def _dispatch(warehouse: Warehouse, run_id: str, deployment: str, api_url: str,
              parameters: dict[str, Any]) -> None:
    """Trigger ``deployment`` for the run; record the flow-run id, or the failure."""
    from prefect.deployments import run_deployment
    from prefect.settings import PREFECT_API_URL, temporary_settings

    try:
        # Prefect reads its settings when imported; the environment may have changed.
        with temporary_settings(updates={PREFECT_API_URL: api_url}):
            flow_run = run_deployment(deployment, parameters={**parameters,
                                                              "batch_run_id": run_id},
                                      timeout=0, as_subflow=False, tags=["sigmasight-api"])
    except Exception as error:  # noqa: BLE001 - recorded on the run the caller polls
        log.exception("could not trigger %s for batch run %s", deployment, run_id)
        update_batch_run(warehouse, run_id, status="failed",
                         error=f"Prefect deployment {deployment} not triggered at {api_url}: "
                               f"{type(error).__name__}: {error}",
                         message="not started; the previous marts are unchanged",
                         details={"prefect_deployment": deployment,
                                  "prefect_api_url": api_url})
        return
    merge_batch_run_details(
        warehouse, run_id,
        {"prefect_flow_run_id": str(flow_run.id), "prefect_flow_run_name": flow_run.name,
         "prefect_deployment": deployment, "prefect_api_url": api_url})


def submit_portfolio_backfill(settings: Settings, portfolio_id: int,
                              requested_by: int | None = None) -> str:
    """Queue the backfill of one portfolio (prices + all models); returns the run id.

    Runs in this process's worker thread, or as a flow run of the deployment
    ``portfolio-backfill/portfolio-backfill`` when ``PREFECT_API_URL`` is set.
    """
    warehouse = get_warehouse(settings)
    run_id = create_batch_run(warehouse, "portfolio_backfill", portfolio_id=portfolio_id,
                              requested_by=requested_by)
    api_url = prefect_api_url()
    if api_url:
        from flows.deployments import BACKFILL_DEPLOYMENT  # imports Prefect: only here

        _dispatch(warehouse, run_id, BACKFILL_DEPLOYMENT, api_url,
                  {"portfolio_id": portfolio_id})
    else:
        _executor().submit(_run_tracked, settings, run_id)
    return run_id


def submit_daily_update(settings: Settings, requested_by: int | None = None,
                        today: dt.date | None = None) -> str:
    """Queue the daily batch; on an XNYS holiday or weekend the run is a recorded no-op.

    Runs in this process's worker thread, or as a flow run of the deployment
    ``daily-update/daily-update`` when ``PREFECT_API_URL`` is set; the flow then gets
    ``as_of`` = ``today`` or ``settings.as_of_date`` (when either is given; else its own
    clock decides) and decides the holiday no-op itself.
    """
    warehouse = get_warehouse(settings)
    run_id = create_batch_run(warehouse, "daily_update", requested_by=requested_by)
    api_url = prefect_api_url()
    if api_url:
        from flows.deployments import DAILY_UPDATE_DEPLOYMENT  # imports Prefect: only here

        as_of = today or settings.as_of_date
        _dispatch(warehouse, run_id, DAILY_UPDATE_DEPLOYMENT, api_url,
                  {"as_of": as_of.isoformat() if as_of else None})
        return run_id
    today = today or settings.as_of_date or dt.datetime.now(ZoneInfo("America/New_York")).date()
    skip = None if is_session(today) else f"{today} is not an XNYS session: nothing to do"
    _executor().submit(_run_tracked, settings, run_id, skip_reason=skip)
    return run_id


def wait_for(run_id: str, settings: Settings, timeout: float = 300.0) -> dict[str, Any]:
    """Block until the run reaches a terminal status (tests, CLI); returns the run."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = get_batch_run(get_warehouse(settings), run_id)
        if run and run["status"] in {"completed", "failed", "skipped"}:
            return run
        time.sleep(0.2)
    raise TimeoutError(f"batch run {run_id} did not finish within {timeout} s")

