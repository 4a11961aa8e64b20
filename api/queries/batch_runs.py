"""Batch runs as their owner (or an admin) may see them."""

from __future__ import annotations

import json
from typing import Any

from ingest.warehouse import Warehouse
from ingest.warehouse.batch_runs import get_batch_run


def visible_run(warehouse: Warehouse, run_id: str, *, user_id: int,
                is_admin: bool) -> dict[str, Any] | None:
    """The run with its backfill progress, or None (missing, or not the user's)."""
    run = get_batch_run(warehouse, run_id)
    if run is None:
        return None
    if not is_admin and run.get("requested_by") != user_id:
        if run.get("portfolio_id") is None:
            return None
        with warehouse.connect() as conn:
            owner = conn.fetch_one("select user_id from app.portfolios where id = :id",
                                   {"id": run["portfolio_id"]})
        if owner is None or int(owner["user_id"]) != user_id:
            return None
    with warehouse.connect() as conn:
        progress = conn.fetch_one(
            "select provider, start_date, end_date, total_symbols, processed_symbols, "
            "failed_symbols, status, error_details from app.historical_backfill_progress "
            "where batch_run_id = :run_id", {"run_id": run_id})
    if progress and progress.get("error_details"):
        try:
            progress["error_details"] = json.loads(progress["error_details"])
        except ValueError:
            pass
    return {**run, "backfill": progress}
