"""Market data on demand: securities a what-if trade needs that the warehouse lacks.

:func:`missing_history` tells which symbols have no security-master row or no close in
a window; :func:`load_on_demand` loads them through the normal market-data path
(:func:`ingest.market_data.load_market_data`, the configured provider, over the history
window of the warehouse's loaded as-of date — so ``raw.trading_days`` is rewritten with
the window it already holds) and returns the per-symbol reasons of those that failed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from ingest.config import Settings
from ingest.market_data import load_market_data
from ingest.security_master import expand_symbols
from ingest.warehouse import Warehouse, in_list


def missing_history(warehouse: Warehouse, symbols: Sequence[str], start: dt.date,
                    end: dt.date) -> list[str]:
    """``symbols`` (plus their options' underlyings) without a security-master row or
    without any close on ``start … end``."""
    wanted = expand_symbols(symbols)
    if not wanted:
        return []
    clause, params = in_list("s", wanted)
    with warehouse.connect() as conn:
        found = {row[0] for row in conn.fetchall(
            f"select s.symbol from raw.securities s where s.symbol in {clause} and exists "
            "(select 1 from raw.prices_daily p where p.symbol = s.symbol "
            "and p.price_date >= :start and p.price_date <= :end)",
            {**params, "start": start, "end": end})}
    return [symbol for symbol in wanted if symbol not in found]


def load_on_demand(warehouse: Warehouse, settings: Settings,
                   symbols: Sequence[str]) -> dict[str, str]:
    """Load ``symbols`` now; {symbol: reason} for each that did not load."""
    with warehouse.connect() as conn:
        row = conn.fetch_one("select max(session_date) as d from raw.trading_days")
    as_of = None if row is None else row["d"]
    report = load_market_data(warehouse, settings, symbols=list(symbols), as_of=as_of)
    return dict(report.errors)
