"""The batch steps as plain functions; Prefect flows and the in-process runner wrap them.

``load market data → dbt stage 1 → risk step → dbt stage 2``. Each step is
idempotent (it replaces what it writes) and raises on failure, which stops the run
(:func:`flows.plan.failure_message` says what it had published). Stage 1 starts with the
pre-flight check of the books (:mod:`ingest.quarantine`).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from typing import Any

from flows.book_risk_step import run_book_risk_step
from flows.build_scope import logged_since, utc_now
from flows.dbt_stage import run_dbt_stage
from flows.risk_fanout import ShardRunner
from flows.risk_step import run_risk_step
from ingest.config import Settings
from ingest.market_data import load_market_data
from ingest.market_plan import plan_market_data
from ingest.quarantine import check_books
from ingest.rate_limit import Priority
from ingest.request_plan import RequestPlan
from ingest.warehouse import Warehouse, get_warehouse
from ingest.warehouse.migrate import prepare_schema

log = logging.getLogger(__name__)


def plan_step(warehouse: Warehouse, settings: Settings,
              as_of: dt.date | None = None) -> RequestPlan | None:
    """The request plan of the next market-data load (no request is made)."""
    prepare_schema(warehouse)
    return plan_market_data(warehouse, settings, as_of)


def load_prices_step(warehouse: Warehouse, settings: Settings,
                     as_of: dt.date | None = None, batch_run_id: str | None = None,
                     priority: Priority = "batch") -> dict[str, Any]:
    """Load prices and reference data for every symbol of every book (plus factor ETFs).

    With ``batch_run_id`` (the ``app.batch_runs`` id), the loader's per-symbol progress
    goes to that run's ``app.historical_backfill_progress`` row; otherwise to a new one.
    """
    prepare_schema(warehouse)  # an out-of-date schema stops the run: `make migrate`
    report = load_market_data(warehouse, settings, as_of=as_of, batch_run_id=batch_run_id,
                              priority=priority)
    return {
        "batch_run_id": batch_run_id,
        "as_of": report.as_of, "start": report.start, "end": report.end,
        "provider": report.provider, "symbols": report.symbols_loaded, "rows": report.rows,
        "errors": report.errors, "request_plan": report.plan,
    }


def dbt_stage1_step(settings: Settings, warehouse: Warehouse | None = None,
                    batch_run_id: str | None = None) -> dict[str, Any]:
    """Hold out the books that break a bound (:func:`ingest.quarantine.check_books`), then
    build and test staging + intermediate models (``tag:stage1``) without them (on the
    spark target: export, build on Spark, publish; :mod:`flows.dbt_stage`).

    The incremental models rebuild only what changed (dbt detects it: an upload's
    portfolio, a daily update's new sessions; a held-out portfolio's rows are removed).
    Returns ``{"quarantined": {portfolio_id: reason}, "build_scope": ...}``
    (:class:`flows.build_scope.BuildScope`).
    """
    warehouse = warehouse or get_warehouse(settings)
    held_out = check_books(warehouse, batch_run_id)
    if held_out:
        log.warning("portfolios held out of the batch: %s", held_out)
    started = utc_now()
    run_dbt_stage(["build", "--select", "tag:stage1"], settings, warehouse)
    return {"quarantined": held_out, "build_scope": logged_since(warehouse, started).summary()}


def risk_step(warehouse: Warehouse, settings: Settings, as_of: dt.date | None = None,
              portfolio_ids: Sequence[int] | None = None,
              shard_runner: ShardRunner | None = None) -> dict[str, Any]:
    """Betas, Greeks, risk metrics and VaR, then the book analytics (factor risk model,
    stress, concentration, liquidity, benchmark-relative and rolling) into ``analytics.*``.

    ``portfolio_ids``: replace only those portfolios' risk rows (the book analytics still
    cover every portfolio); ``shard_runner``: how the risk step's shards run
    (:mod:`flows.risk_fanout`; default one after the other in this process).
    """
    report = run_risk_step(warehouse, settings, as_of=as_of, portfolio_ids=portfolio_ids,
                           shard_runner=shard_runner)
    report["book"] = run_book_risk_step(warehouse, settings, as_of=report["as_of"])
    return report


def dbt_stage2_step(settings: Settings, warehouse: Warehouse | None = None) -> None:
    """Build and test the marts (``tag:stage2``): the snapshot step.

    This includes ``fct_portfolio_snapshot_history`` (incremental), whose post-hook
    deletes history rows dated more than 365 days before the as-of date: the
    retention runs with every snapshot build (and with an analyst's ``dbt build``).
    """
    run_dbt_stage(["build", "--select", "tag:stage2"], settings,
                  warehouse or get_warehouse(settings))
