"""The batch's pre-flight check: hold out the books whose stored data breaks a bound.

Before dbt stage 1 every run checks what is stored — whatever path wrote it — against the
bounds of :mod:`ingest.magnitudes` (the ones the upload applies), set-based, in SQL:
every position's quantity and entry price, and each portfolio's equity. A portfolio with
any breach is written to ``app.portfolio_quarantine`` with a reason its owner can act on
(which positions, which rule); the staging models of positions and portfolios leave it
out, so the marts of every other portfolio build and publish, and the held-out
portfolio's marts hold no rows until a new upload passes the check. The table is
rewritten by every check (in one transaction), so a book that was replaced is released
by the next run.
"""

from __future__ import annotations

from collections import defaultdict

from ingest.magnitudes import (
    MAX_ABS_QUANTITY,
    MAX_EQUITY,
    MAX_PRICE,
    MIN_ABS_QUANTITY,
    MIN_EQUITY,
    MIN_PRICE,
    equity_sql,
    price_sql,
    quantity_sql,
)
from ingest.warehouse import Warehouse

MAX_LISTED = 5  # positions named in one reason (the count says how many there are)

_BAD_POSITIONS = f"""
select portfolio_id, id, symbol, quantity, entry_price,
       case when not {quantity_sql('quantity')} then 1 else 0 end as bad_quantity,
       case when not {price_sql('entry_price')} then 1 else 0 end as bad_price
from app.positions
where not ({quantity_sql('quantity')} and {price_sql('entry_price')})
order by portfolio_id, id
"""
_BAD_EQUITY = f"select id, equity from app.portfolios where not {equity_sql('equity')}"


def check_books(warehouse: Warehouse, batch_run_id: str | None = None) -> dict[int, str]:
    """Rewrite ``app.portfolio_quarantine``; returns ``{portfolio_id: reason}`` held out."""
    with warehouse.connect() as conn:
        positions = conn.fetch_dicts(_BAD_POSITIONS)
        equities = conn.fetch_dicts(_BAD_EQUITY)
        reasons = _reasons(positions, equities)
        conn.execute("delete from app.portfolio_quarantine")
        for portfolio_id, reason in reasons.items():
            conn.execute(
                "insert into app.portfolio_quarantine (portfolio_id, reason, batch_run_id) "
                "values (:portfolio_id, :reason, :run)",
                {"portfolio_id": portfolio_id, "reason": reason, "run": batch_run_id})
    return reasons


def hold_out(warehouse: Warehouse, reasons: dict[int, str],
             batch_run_id: str | None = None) -> None:
    """Add (or replace) quarantine rows: the batch's mart-check fallback
    (:mod:`flows.isolation`); the next :func:`check_books` re-evaluates them."""
    with warehouse.connect() as conn:
        for portfolio_id, reason in reasons.items():
            conn.execute("delete from app.portfolio_quarantine where portfolio_id = :p",
                         {"p": portfolio_id})
            conn.execute(
                "insert into app.portfolio_quarantine (portfolio_id, reason, batch_run_id) "
                "values (:p, :reason, :run)",
                {"p": portfolio_id, "reason": reason, "run": batch_run_id})


def quarantined(warehouse: Warehouse, portfolio_ids: list[int] | None = None,
                ) -> dict[int, str]:
    """``{portfolio_id: reason}`` of the held-out portfolios (of ``portfolio_ids`` if given)."""
    with warehouse.connect() as conn:
        rows = conn.fetch_dicts("select portfolio_id, reason from app.portfolio_quarantine "
                                "order by portfolio_id")
    wanted = None if portfolio_ids is None else set(portfolio_ids)
    return {int(r["portfolio_id"]): str(r["reason"]) for r in rows
            if wanted is None or int(r["portfolio_id"]) in wanted}


def _reasons(positions: list[dict], equities: list[dict]) -> dict[int, str]:
    by_portfolio: dict[int, list[dict]] = defaultdict(list)
    for row in positions:
        by_portfolio[int(row["portfolio_id"])].append(row)
    reasons: dict[int, list[str]] = defaultdict(list)
    for portfolio_id, rows in by_portfolio.items():
        named = "; ".join(_position_problem(row) for row in rows[:MAX_LISTED])
        more = f" (and {len(rows) - MAX_LISTED} more)" if len(rows) > MAX_LISTED else ""
        reasons[portfolio_id].append(
            f"{len(rows)} position(s) outside the bounds (|quantity| {MIN_ABS_QUANTITY:g}"
            f"..{MAX_ABS_QUANTITY:g}, entry_price {MIN_PRICE:g}..{MAX_PRICE:g}): {named}{more}")
    for row in equities:
        reasons[int(row["id"])].append(
            f"equity {row['equity']!r} is outside {MIN_EQUITY:g}..{MAX_EQUITY:g} dollars")
    return {portfolio_id: "; ".join(parts) + "; upload a corrected book to release it"
            for portfolio_id, parts in sorted(reasons.items())}


def _position_problem(row: dict) -> str:
    parts = []
    if row["bad_quantity"]:
        parts.append(f"quantity {row['quantity']!r}")
    if row["bad_price"]:
        parts.append(f"entry_price {row['entry_price']!r}")
    return f"position {row['id']} {row['symbol']}: {' and '.join(parts)}"
