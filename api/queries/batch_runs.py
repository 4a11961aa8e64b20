"""Batch runs as their owner (or an admin) may see them.

A batch run covers every book, so its raw record names every symbol of every book, counts
across all portfolios and the internals of a failure. An admin sees it whole. Anyone else
sees only what concerns their own books: the market-data report and the backfill
progress restricted to their symbols (their positions, the options' underlyings and the
factor ETFs), the pre-flight check's verdict on their own portfolios, and a failure as a
stable code with a reference (the run id, under which the details are logged).
"""

from __future__ import annotations

import json
from typing import Any

from api.queries.users import own_symbols
from ingest.warehouse import Warehouse
from ingest.warehouse.batch_runs import get_batch_run

FAILURE_CODE = "batch_failed"


def visible_run(warehouse: Warehouse, run_id: str, *, user_id: int,
                is_admin: bool) -> dict[str, Any] | None:
    """The run with its backfill progress, or None (missing, or not the user's)."""
    run = get_batch_run(warehouse, run_id)
    if run is None:
        return None
    with warehouse.connect() as conn:
        owned = [int(row["id"]) for row in conn.fetch_dicts(
            "select id from app.portfolios where user_id = :user_id", {"user_id": user_id})]
        progress = conn.fetch_one(
            "select provider, start_date, end_date, total_symbols, processed_symbols, "
            "failed_symbols, status, error_details from app.historical_backfill_progress "
            "where batch_run_id = :run_id", {"run_id": run_id})
    if not is_admin and run.get("requested_by") != user_id \
            and run.get("portfolio_id") not in owned:
        return None
    if progress and progress.get("error_details"):
        try:
            progress["error_details"] = json.loads(progress["error_details"])
        except ValueError:
            pass
    if is_admin:
        return {**run, "backfill": progress}
    return _for_owner(run, progress, own_symbols(warehouse, user_id), {str(p) for p in owned})


def _for_owner(run: dict[str, Any], progress: dict[str, Any] | None, symbols: set[str],
               owned: set[str]) -> dict[str, Any]:
    details = _part(run, "details")
    market = _part(details, "market_data")
    loaded = [s for s in market.get("symbols") or [] if s in symbols]
    errors = {s: e for s, e in (market.get("errors") or {}).items() if s in symbols}
    quarantined = {p: r for step in ("dbt_stage1", "dbt_stage2")
                   for p, r in _part(_part(details, step), "quarantined").items()
                   if str(p) in owned}
    shown: dict[str, Any] = {"timings": details.get("timings", {})}
    if market:
        shown["market_data"] = {key: market.get(key) for key in ("as_of", "start", "end",
                                                                "provider")}
        shown["market_data"].update(symbols=loaded, errors=errors)
    if quarantined:
        shown["quarantined"] = quarantined
    message, error = run.get("message"), run.get("error")
    if run.get("status") == "completed":
        message = "completed" if not quarantined else (
            "completed; your portfolio was held out of the marts by the batch's checks "
            "(see details.quarantined)")
    if error:
        error = f"{FAILURE_CODE}: the batch run failed (reference {run['id']})"
    return {**run, "message": message, "error": error, "details": shown,
            "backfill": _progress_for_owner(progress, symbols)}


def _part(record: dict[str, Any], key: str) -> dict[str, Any]:
    value = record.get(key)
    return value if isinstance(value, dict) else {}


def _progress_for_owner(progress: dict[str, Any] | None,
                        symbols: set[str]) -> dict[str, Any] | None:
    """Counts over the user's own symbols (processed: the run's fraction of them)."""
    if progress is None:
        return None
    failed = {s: e for s, e in (progress.get("error_details") or {}).items() if s in symbols}
    total_all = int(progress.get("total_symbols") or 0)
    total = min(len(symbols), total_all) if total_all else len(symbols)
    done = int(progress.get("processed_symbols") or 0)
    processed = total if total_all and done >= total_all else (
        round(total * done / total_all) if total_all else 0)
    return {**progress, "total_symbols": total, "processed_symbols": processed,
            "failed_symbols": len(failed), "error_details": failed}
