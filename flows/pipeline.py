"""Run the whole batch synchronously, or submit it to run in the background.

On DuckDB only one process may write the file, so the API process runs submitted
batches itself, one at a time, in a single worker thread. On PostgreSQL the same
in-process runner is the default; Prefect deployments (``flows/deployments.py``)
run the same steps on a schedule.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from zoneinfo import ZoneInfo

from flows import steps
from flows.batch_runs import create_batch_run, get_batch_run, update_batch_run
from ingest.calendar import is_session
from ingest.config import Settings
from ingest.warehouse import Warehouse, get_warehouse

__all__ = ["get_batch_run", "run_pipeline", "submit_daily_update", "submit_portfolio_backfill"]

log = logging.getLogger(__name__)
Progress = Callable[[float, str], None]
_EXECUTOR: ThreadPoolExecutor | None = None


def run_pipeline(settings: Settings, *, warehouse: Warehouse | None = None,
                 as_of: dt.date | None = None,
                 progress: Progress | None = None) -> dict[str, Any]:
    """Load prices, build stage 1, run the risk step, build the marts; raise on failure.

    Returns per-step wall times (seconds) and the market-data report.
    """
    warehouse = warehouse or get_warehouse(settings)
    report: dict[str, Any] = {"timings": {}}
    plan: list[tuple[str, float, Callable[[], Any]]] = [
        ("market_data", 0.35, lambda: steps.load_prices_step(warehouse, settings, as_of)),
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
            settings, warehouse=warehouse,
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


def submit_portfolio_backfill(settings: Settings, portfolio_id: int,
                              requested_by: int | None = None) -> str:
    """Queue the backfill of one portfolio (prices + all models); returns the run id."""
    warehouse = get_warehouse(settings)
    run_id = create_batch_run(warehouse, "portfolio_backfill", portfolio_id=portfolio_id,
                              requested_by=requested_by)
    _executor().submit(_run_tracked, settings, run_id)
    return run_id


def submit_daily_update(settings: Settings, requested_by: int | None = None,
                        today: dt.date | None = None) -> str:
    """Queue the daily batch; on an XNYS holiday or weekend the run is a recorded no-op."""
    warehouse = get_warehouse(settings)
    run_id = create_batch_run(warehouse, "daily_update", requested_by=requested_by)
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

