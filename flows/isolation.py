"""Stage 2 with a per-portfolio fallback: one book whose figures fail a mart check is
held out and the marts are rebuilt for every other portfolio.

The pre-flight check (:mod:`ingest.quarantine`) holds out books that break a stored bound;
a book within the bounds can still produce figures a mart test refuses (an extreme but
valid combination). When stage 2 fails, each failing data test's own SQL (it selects the
failing rows) is asked which portfolios those rows belong to; when every failing test
names some portfolios — and not all of them — those portfolios are held out with the
tests' names as the reason, and stage 1, the risk step and stage 2 run once more without
them. Otherwise (a failure not tied to portfolios, or a second failure) the error stands.
"""

from __future__ import annotations

import logging
from typing import Any

from flows import steps
from flows.dbt_runner import DbtError
from flows.dbt_stage import run_dbt_stage
from ingest.quarantine import hold_out
from ingest.warehouse import Warehouse, WarehouseError

log = logging.getLogger(__name__)


def failing_portfolios(warehouse: Warehouse,
                       failed_tests: list[tuple[str, str]]) -> dict[int, list[str]]:
    """``{portfolio_id: [test names]}`` of the failing rows; {} when a test's rows carry
    no portfolio (then the failure is not one portfolio's)."""
    found: dict[int, list[str]] = {}
    for name, sql in failed_tests:
        try:
            with warehouse.connect() as conn:
                rows = conn.fetch_dicts(f"select distinct portfolio_id from ({sql}) as failing")
        except WarehouseError:
            return {}
        ids = [int(row["portfolio_id"]) for row in rows if row["portfolio_id"] is not None]
        if not ids:
            return {}
        for portfolio_id in ids:
            found.setdefault(portfolio_id, []).append(name)
    return found


def stage2_with_fallback(settings: Any, warehouse: Warehouse, as_of: Any,
                         batch_run_id: str | None) -> dict[str, Any] | None:
    """dbt stage 2; on a failure tied to some portfolios, hold them out and rebuild."""
    try:
        steps.dbt_stage2_step(settings, warehouse)
        return None
    except DbtError as error:
        culprits = failing_portfolios(warehouse, error.failed_tests)
        with warehouse.connect() as conn:
            row = conn.fetch_one("select count(*) as n from staging.stg_app__portfolios")
        if not culprits or len(culprits) >= int(row["n"] if row else 0):
            raise
        reasons = {p: f"its figures failed the mart check(s) {', '.join(sorted(set(names)))}"
                      "; upload a corrected book to release it"
                   for p, names in culprits.items()}
        log.warning("stage 2 failed for portfolios %s; rebuilding without them: %s",
                    sorted(reasons), error)
    hold_out(warehouse, reasons, batch_run_id)
    run_dbt_stage(["build", "--select", "tag:stage1"], settings, warehouse)
    steps.risk_step(warehouse, settings, as_of)
    steps.dbt_stage2_step(settings, warehouse)
    return {"quarantined": reasons}
