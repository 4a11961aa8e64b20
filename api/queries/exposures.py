"""Reads of ``marts.fct_group_exposures_daily`` for one portfolio."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from api.queries.common import consistent_reads, floats
from api.schemas.exposures import EXPOSURE_CONVENTIONS, Grouping
from ingest.warehouse import Warehouse

FIGURES = ("long_exposure", "short_exposure", "gross_exposure", "net_exposure",
           "market_value", "long_of_equity", "short_of_equity", "gross_of_equity",
           "net_of_equity")


def exposures(warehouse: Warehouse, portfolio_id: int, by: Grouping,
              history: bool) -> dict[str, Any] | None:
    """The as-of session's groups (and every session's with ``history``); None before a
    build has valued the portfolio."""
    with warehouse.connect() as conn:
        consistent_reads(conn)
        latest = conn.fetch_one(
            "select snapshot_date, equity from marts.fct_portfolio_snapshots "
            "where portfolio_id = :p order by snapshot_date desc limit 1", {"p": portfolio_id})
        if latest is None:
            return None
        params = {"p": portfolio_id, "g": by}
        day_filter = ""
        if not history:
            day_filter, params["d"] = " and snapshot_date = :d", latest["snapshot_date"]
        rows = conn.fetch_dicts(
            "select * from marts.fct_group_exposures_daily where portfolio_id = :p "
            f"and grouping = :g{day_filter} "
            "order by snapshot_date, gross_exposure desc, group_name", params)
    by_day: dict[Any, list[dict]] = defaultdict(list)
    for row in rows:
        clean = floats(row, FIGURES)
        by_day[row["snapshot_date"]].append(
            {**{k: clean[k] for k in FIGURES}, "group_name": row["group_name"],
             "position_count": int(row["position_count"])})
    as_of = latest["snapshot_date"]
    return {
        "portfolio_id": portfolio_id, "by": by, "as_of": as_of,
        "equity": None if latest["equity"] is None else float(latest["equity"]),
        "groups": by_day.get(as_of, []),
        "history": [{"snapshot_date": day, "groups": groups}
                    for day, groups in sorted(by_day.items())] if history else None,
        "conventions": EXPOSURE_CONVENTIONS,
    }
