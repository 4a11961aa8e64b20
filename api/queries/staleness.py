"""How many of a portfolio's positions rest on stale prices on a date.

A position is stale on a session when its symbol had no bar that session and its value
carries the last close forward (``marts.fct_position_values_daily.price_is_stale``).
"""

from __future__ import annotations

import datetime as dt

from ingest.warehouse import Connection


def stale_positions(conn: Connection, portfolio_id: int, as_of: dt.date | None) -> int:
    """Positions of ``portfolio_id`` valued at a carried-forward close on ``as_of``."""
    if as_of is None:
        return 0
    row = conn.fetch_one(
        "select count(*) as n from marts.fct_position_values_daily "
        "where portfolio_id = :p and valuation_date = :d and price_is_stale",
        {"p": portfolio_id, "d": as_of})
    return int(row["n"]) if row else 0
