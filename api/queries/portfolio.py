"""Reads of ``marts.fct_portfolio_snapshots`` (+ counts from the position marts)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from api.queries.common import consistent_reads, floats
from ingest.warehouse import Warehouse

VALUE_COLUMNS = (
    "equity", "market_value", "long_exposure", "short_exposure", "gross_exposure",
    "net_exposure", "daily_pnl", "mtd_pnl", "ytd_pnl", "cumulative_pnl", "portfolio_value",
    "previous_portfolio_value", "daily_return",
)
_SNAPSHOT_SELECT = ", ".join(f"s.{c}" for c in ("snapshot_date", *VALUE_COLUMNS,
                                                 "position_count", "stale_position_count"))

_COUNTS = """
    select d.position_type, count(*) as n
    from marts.fct_position_values_daily v
    join marts.dim_positions d on d.position_id = v.position_id
    where v.portfolio_id = :portfolio_id and v.valuation_date = :as_of
    group by d.position_type
"""


def _counts(by_type: dict[str, int], in_book: int) -> dict[str, int]:
    options = {key: by_type.get(key.upper(), 0) for key in ("lc", "lp", "sc", "sp")}
    return {
        "position_count": sum(by_type.values()),
        "long_count": by_type.get("LONG", 0),
        "short_count": by_type.get("SHORT", 0),
        "option_count": sum(options.values()),
        **{f"{key}_count": value for key, value in options.items()},
        "positions_in_book": in_book,
    }


def portfolio_summary(warehouse: Warehouse, portfolio_id: int) -> dict[str, Any] | None:
    """The latest snapshot, counts by type on that date and the price sources; or None."""
    with warehouse.connect() as conn:
        consistent_reads(conn)
        snapshot = conn.fetch_one(
            f"select {_SNAPSHOT_SELECT}, p.name from marts.fct_portfolio_snapshots s "
            "join app.portfolios p on p.id = s.portfolio_id "
            "where s.portfolio_id = :portfolio_id order by s.snapshot_date desc limit 1",
            {"portfolio_id": portfolio_id})
        if snapshot is None:
            return None
        params = {"portfolio_id": portfolio_id, "as_of": snapshot["snapshot_date"]}
        by_type = {row[0]: int(row[1]) for row in conn.fetchall(_COUNTS, params)}
        sources = [row[0] for row in conn.fetchall(
            "select distinct price_source from marts.fct_position_values_daily "
            "where portfolio_id = :portfolio_id and valuation_date = :as_of "
            "and price_source is not null order by price_source", params)]
        in_book = conn.fetch_one("select count(*) as n from marts.dim_positions "
                                 "where portfolio_id = :portfolio_id",
                                 {"portfolio_id": portfolio_id})
    summary = floats(snapshot, VALUE_COLUMNS)
    summary.pop("position_count", None)
    stale = int(summary.pop("stale_position_count") or 0)
    as_of = summary.pop("snapshot_date")
    return {**summary, "portfolio_id": portfolio_id, "as_of": as_of, "stale_positions": stale,
            "counts": _counts(by_type, int(in_book["n"]) if in_book else 0),
            "price_sources": sources}


def snapshots(warehouse: Warehouse, portfolio_id: int, start: dt.date | None,
              end: dt.date | None) -> list[dict[str, Any]]:
    """One row per session in [start, end] (either bound optional), oldest first."""
    clauses = ["s.portfolio_id = :portfolio_id"]
    params: dict[str, Any] = {"portfolio_id": portfolio_id}
    if start is not None:
        clauses.append("s.snapshot_date >= :start")
        params["start"] = start
    if end is not None:
        clauses.append("s.snapshot_date <= :end")
        params["end"] = end
    with warehouse.connect() as conn:
        rows = conn.fetch_dicts(
            f"select {_SNAPSHOT_SELECT} from marts.fct_portfolio_snapshots s "
            f"where {' and '.join(clauses)} order by s.snapshot_date", params)
    return [{**floats(row, VALUE_COLUMNS), "position_count": int(row["position_count"] or 0)}
            for row in rows]
