"""Run the whole batch synchronously, or submit it to run in the background.

Where a submitted run executes:

* **Default (no ``PREFECT_API_URL`` in the environment)**: in this process, one run at
  a time, in a single worker thread. On DuckDB only one process may write the file,
  so the API process, which already holds it, runs its batches itself.
* **``PREFECT_API_URL`` set** (an operator runs ``make flows`` and points the API at
  that server): the submit functions trigger the deployments ``daily-update/daily-update``
  / ``portfolio-backfill/portfolio-backfill`` (:mod:`flows.dispatch`), passing the
  ``app.batch_runs`` id as the flow's ``batch_run_id`` parameter; the flow, in the
  ``make flows`` process, then reports to that row itself.

Either way the caller gets the run id at once and polls ``app.batch_runs``. Both run
the same plan (:mod:`flows.plan`) and report through the same
:class:`~flows.progress.BatchReporter`.
"""

from __future__ import annotations

import datetime as dt
import logging
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from flows.dispatch import (
    BACKFILL_DEPLOYMENT,
    DAILY_UPDATE_DEPLOYMENT,
    dispatch,
    prefect_api_url,
)
from flows.plan import BatchContext, execute_plan
from flows.progress import BatchReporter
from ingest.backfill_progress import queue_progress
from ingest.calendar import off_session_reason, today_in_new_york
from ingest.config import Settings
from ingest.logs import REQUEST_ID
from ingest.rate_limit import Priority
from ingest.warehouse import Warehouse, get_warehouse
from ingest.warehouse.batch_runs import (
    TERMINAL_STATUSES,
    create_batch_run,
    get_batch_run,
    supersede_queued_backfills,
)

__all__ = ["get_batch_run", "interrupt_batches", "run_pipeline", "submit_daily_update",
           "submit_portfolio_backfill"]

log = logging.getLogger(__name__)
INTERRUPTED = "interrupted: the server shut down during the run"


class _BatchThread:
    """Runs submitted runs one at a time in a **daemon** thread, so that a process asked
    to stop exits at once instead of waiting for a batch (the run is marked failed first:
    :func:`interrupt_batches`)."""

    def __init__(self) -> None:
        self._queue: queue.SimpleQueue[tuple[Callable[..., None], tuple, dict,
                                             Future[None]]] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def submit(self, fn: Callable[..., None], *args: Any, **kwargs: Any) -> Future[None]:
        """Queue ``fn(*args, **kwargs)``; the future completes when it has run."""
        future: Future[None] = Future()
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name="sigmasight-batch",
                                                daemon=True)
                self._thread.start()
        self._queue.put((fn, args, kwargs, future))
        return future

    def _loop(self) -> None:
        while True:
            fn, args, kwargs, future = self._queue.get()
            try:
                fn(*args, **kwargs)
            except BaseException as error:  # noqa: BLE001 - the next run must still run
                future.set_exception(error)
            else:
                future.set_result(None)


_WORKER = _BatchThread()
_IN_FLIGHT: dict[str, Settings] = {}  # queued or running in this process
_INTERRUPTED: set[str] = set()  # marked failed at shutdown: their thread reports nothing


def run_pipeline(settings: Settings, *, warehouse: Warehouse | None = None,
                 as_of: dt.date | None = None, reporter: BatchReporter | None = None,
                 batch_run_id: str | None = None,
                 priority: Priority = "batch") -> dict[str, Any]:
    """Run the whole plan now (load prices, stage 1, risk step, marts); raise on failure.

    Returns per-step wall times (seconds) and each step's report. With ``batch_run_id``
    the loader's per-symbol progress is written to that run's
    ``app.historical_backfill_progress`` row.
    """
    warehouse = warehouse or get_warehouse(settings)
    return execute_plan(BatchContext(settings, warehouse, as_of, batch_run_id, priority),
                        reporter=reporter)


def _executor() -> _BatchThread:
    return _WORKER


def _submit(settings: Settings, run_id: str, **kwargs: Any) -> None:
    _IN_FLIGHT[run_id] = settings
    _executor().submit(_run_tracked, settings, run_id, request_id=REQUEST_ID.get(), **kwargs)


def _run_tracked(settings: Settings, run_id: str, *, skip_reason: str | None = None,
                 priority: Priority = "batch", request_id: str | None = None) -> None:
    token = REQUEST_ID.set(request_id)  # the run logs under the request that started it
    try:
        if run_id not in _INTERRUPTED:
            _run_and_report(settings, run_id, skip_reason, priority)
    finally:
        _IN_FLIGHT.pop(run_id, None)
        REQUEST_ID.reset(token)


class _InterruptibleReporter(BatchReporter):
    """Writes nothing more once its run was interrupted (the row keeps why it failed)."""

    def _row(self, **fields: Any) -> None:
        if self.batch_run_id not in _INTERRUPTED:
            super()._row(**fields)


def _run_and_report(settings: Settings, run_id: str, skip_reason: str | None,
                    priority: Priority) -> None:
    warehouse = get_warehouse(settings)
    reporter = _InterruptibleReporter(warehouse, run_id)
    if skip_reason:
        reporter.skipped(skip_reason)
        return
    if not reporter.started("loading market data"):
        return  # superseded while queued
    try:
        report = run_pipeline(settings, warehouse=warehouse, batch_run_id=run_id,
                              reporter=reporter, priority=priority)
    except Exception as error:  # noqa: BLE001 - recorded on the run, and logged
        if run_id not in _INTERRUPTED:  # else interrupt_batches recorded why
            log.exception("batch run %s failed", run_id)
            reporter.failed(error)
        return
    if run_id not in _INTERRUPTED:
        reporter.completed(report)


def interrupt_batches(reason: str = INTERRUPTED) -> list[str]:
    """At shutdown: mark every run queued or running in this process failed with
    ``reason``; those runs report nothing more (the daemon thread dies with the process;
    runs submitted later, e.g. by another app in the same process, run normally). The marts are
    rebuilt by the last step only, in dbt's transactions: the previous ones stay served."""
    interrupted = []
    for run_id, settings in list(_IN_FLIGHT.items()):
        _INTERRUPTED.add(run_id)
        try:
            BatchReporter(get_warehouse(settings), run_id).failed(reason)
            interrupted.append(run_id)
        except Exception:  # noqa: BLE001 - shutting down: log and go on
            log.exception("could not mark batch run %s interrupted", run_id)
    return interrupted


def submit_portfolio_backfill(settings: Settings, portfolio_id: int,
                              requested_by: int | None = None) -> str:
    """Queue the backfill of one portfolio (prices + all models); returns the run id.

    Backfills of the same portfolio still queued are superseded (recorded as skipped:
    this run rebuilds everything they would have); a runner that reaches a superseded
    run skips it (:meth:`BatchReporter.started`).

    Runs in this process's worker thread, or as a flow run of the deployment
    ``portfolio-backfill/portfolio-backfill`` when ``PREFECT_API_URL`` is set.
    """
    warehouse = get_warehouse(settings)
    run_id = create_batch_run(warehouse, "portfolio_backfill", portfolio_id=portfolio_id,
                              requested_by=requested_by)
    queue_progress(warehouse, run_id, settings.market_data_provider, portfolio_id)
    superseded = supersede_queued_backfills(warehouse, portfolio_id, run_id)
    if superseded:
        log.info("backfill %s supersedes queued runs %s", run_id, superseded)
    api_url = prefect_api_url()
    if api_url:
        dispatch(warehouse, run_id, BACKFILL_DEPLOYMENT, api_url,
                 {"portfolio_id": portfolio_id})
    else:
        _submit(settings, run_id, priority="realtime")  # someone is waiting for it
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
        as_of = today or settings.as_of_date
        dispatch(warehouse, run_id, DAILY_UPDATE_DEPLOYMENT, api_url,
                 {"as_of": as_of.isoformat() if as_of else None})
        return run_id
    day = today or settings.as_of_date or today_in_new_york()
    _submit(settings, run_id, skip_reason=off_session_reason(day))
    return run_id


def wait_for(run_id: str, settings: Settings, timeout: float = 300.0) -> dict[str, Any]:
    """Block until the run reaches a terminal status (tests, CLI); returns the run."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = get_batch_run(get_warehouse(settings), run_id)
        if run and run["status"] in TERMINAL_STATUSES:
            return run
        time.sleep(0.2)
    raise TimeoutError(f"batch run {run_id} did not finish within {timeout} s")
