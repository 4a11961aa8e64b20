"""Daily closes of one symbol from ``raw.prices_daily`` with each row's source."""

from __future__ import annotations

import datetime as dt
from typing import Any

from api.queries.common import consistent_reads
from ingest.warehouse import Warehouse


def price_history(warehouse: Warehouse, symbol: str, start: dt.date | None,
                  end: dt.date | None) -> dict[str, Any] | None:
    """Rows in [start, end] oldest first, with the security's type; None if never loaded."""
    clauses = ["symbol = :symbol"]
    params: dict[str, Any] = {"symbol": symbol}
    if start is not None:
        clauses.append("price_date >= :start")
        params["start"] = start
    if end is not None:
        clauses.append("price_date <= :end")
        params["end"] = end
    with warehouse.connect() as conn:
        consistent_reads(conn)
        known = conn.fetch_one("select count(*) as n from raw.prices_daily "
                               "where symbol = :symbol", {"symbol": symbol})
        if not known or not known["n"]:
            return None
        security = conn.fetch_one("select asset_type, underlying_symbol from raw.securities "
                                  "where symbol = :symbol", {"symbol": symbol}) or {}
        rows = conn.fetch_dicts(
            "select price_date, open, high, low, close, volume, source from raw.prices_daily "
            f"where {' and '.join(clauses)} order by price_date", params)
    prices = [{**row, **{c: None if row[c] is None else float(row[c])
                         for c in ("open", "high", "low", "close", "volume")}} for row in rows]
    return {"symbol": symbol, "asset_type": security.get("asset_type"),
            "underlying_symbol": security.get("underlying_symbol"), "start": start, "end": end,
            "count": len(prices), "prices": prices}
