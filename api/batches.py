"""How the API starts batches: the one module of ``api/`` that imports ``flows/``.

On DuckDB the serving process is the warehouse's one writer, so the API runs the batch
itself (in a worker thread, :mod:`flows.pipeline`) or hands it to a Prefect server when
``PREFECT_API_URL`` is set. The import-linter contract in ``pyproject.toml`` names this
module as the only exception to "the API does not import the flows"; everything else in
``api/`` reads batch runs through :mod:`ingest.warehouse.batch_runs`.

``flows`` is imported on use: it loads dbt, which an API process that never starts a batch
need not pay for.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from api.errors import ApiError
from ingest.config import Settings
from ingest.warehouse import Warehouse
from ingest.warehouse.batch_runs import queued_run_count

QUEUE_RETRY_AFTER_SECONDS = 30


def ensure_queue_room(settings: Settings, warehouse: Warehouse,
                      portfolio_id: int | None = None) -> None:
    """429 (with ``Retry-After``) when ``batch_queue_limit`` runs are already queued.

    The queued backfills of ``portfolio_id`` do not count: a new upload of that portfolio
    supersedes them (:func:`flows.pipeline.submit_portfolio_backfill`). Call it before
    writing anything, so a refused request changes nothing.
    """
    queued = queued_run_count(warehouse, except_portfolio=portfolio_id)
    if queued >= settings.batch_queue_limit:
        raise ApiError(429, f"{queued} batch runs are queued (the limit is "
                            f"{settings.batch_queue_limit}); retry later",
                       code="batch_queue_full",
                       headers={"Retry-After": str(QUEUE_RETRY_AFTER_SECONDS)})


def start_portfolio_backfill(settings: Settings, portfolio_id: int,
                             requested_by: int | None = None) -> str:
    """Queue the backfill of ``portfolio_id`` after an upload; returns the batch-run id."""
    from flows import pipeline

    return pipeline.submit_portfolio_backfill(settings, portfolio_id, requested_by)


def start_daily_update(settings: Settings, requested_by: int | None = None,
                       today: dt.date | None = None) -> str:
    """Queue the daily batch (a recorded no-op off XNYS sessions); returns the run id."""
    from flows import pipeline

    return pipeline.submit_daily_update(settings, requested_by=requested_by, today=today)


def run_batch_now(settings: Settings, warehouse: Warehouse) -> dict[str, Any]:
    """Run the whole batch synchronously in this process (the demo); raises on failure."""
    from flows import pipeline

    return pipeline.run_pipeline(settings, warehouse=warehouse)


def interrupt_in_process_batches() -> list[str]:
    """At shutdown: the runs queued or running in this process are marked failed."""
    import sys

    if "flows.pipeline" not in sys.modules:  # no batch was ever started here
        return []
    from flows import pipeline

    return pipeline.interrupt_batches()
