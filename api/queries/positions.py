"""Positions at the portfolio's as-of date: filters, subtotals and groups in SQL.

Base: ``marts.dim_positions`` left-joined to ``marts.fct_position_values_daily`` on
the portfolio's latest snapshot date and to ``app.positions`` for the entry price as
uploaded (``entry_price`` is split-adjusted to today's share terms); tags are read
live from ``app.tags`` / ``app.position_tags`` (only the requesting user's tags), so
tag edits show at once.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Literal

from api.queries.common import consistent_reads, floats, in_list
from ingest.warehouse import Connection, Warehouse

POSITION_COLUMNS = (
    "position_id", "symbol", "underlying_symbol", "asset_type", "position_type",
    "option_type", "strike", "expiry_date", "quantity", "entry_price", "entry_date",
    "multiplier", "sector", "industry",
)
VALUE_COLUMNS = (
    "valuation_date", "price", "previous_price", "price_source", "price_date", "price_is_stale",
    "market_value", "exposure",
    "cost_basis", "unrealized_pnl", "daily_pnl", "mtd_pnl", "ytd_pnl",
)
FLOAT_COLUMNS = ("strike", "quantity", "entry_price", "entry_price_as_traded", "multiplier",
                 "price", "previous_price", "market_value", "exposure", "cost_basis",
                 "unrealized_pnl", "daily_pnl", "mtd_pnl", "ytd_pnl")
# the entry price as uploaded and its basis, live from the book (ingest/splits.py)
_LOT_COLUMNS = ("coalesce(lot.entry_price_as_traded, d.entry_price) as entry_price_as_traded",
                "coalesce(lot.entry_price_basis, 'as_traded') as entry_price_basis")
SUM_COLUMNS = ("market_value", "exposure", "unrealized_pnl", "daily_pnl")
TYPE_ORDER = {name: index for index, name in enumerate(("LONG", "SHORT", "LC", "LP", "SC",
                                                          "SP"))}
_STALE = "sum(case when f.price_is_stale then 1 else 0 end)"
_SUMS = ", ".join([*(f"sum(f.{c}) as {c}" for c in SUM_COLUMNS), f"{_STALE} as stale"])
_WINDOW_SUMS = ", ".join([*(f"sum(f.{c}) over () as _{c}" for c in SUM_COLUMNS),
                          f"{_STALE} over () as _stale"])


@dataclass(frozen=True)
class PositionFilter:
    types: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()  # lower-case names
    tag_mode: Literal["any", "all"] = "any"


def _filtered_cte(user_id: int, portfolio_id: int,
                  criteria: PositionFilter) -> tuple[str, dict[str, Any]]:
    params: dict[str, Any] = {"portfolio_id": portfolio_id}
    clauses = ["d.portfolio_id = :portfolio_id"]
    if criteria.types:
        sql, values = in_list("type", criteria.types)
        clauses.append(f"d.position_type in {sql}")
        params.update(values)
    if criteria.tags:
        sql, values = in_list("tag", criteria.tags)
        params.update(values, user_id=user_id)
        tagged = ("select pt.position_id from app.position_tags pt "
                  "join app.tags t on t.id = pt.tag_id "
                  f"where t.user_id = :user_id and lower(t.name) in {sql}")
        if criteria.tag_mode == "all":
            tagged += " group by pt.position_id having count(distinct t.id) = :tag_count"
            params["tag_count"] = len(criteria.tags)
        clauses.append(f"d.position_id in ({tagged})")
    columns = ", ".join([*(f"d.{c}" for c in POSITION_COLUMNS),
                         *(f"v.{c}" for c in VALUE_COLUMNS), *_LOT_COLUMNS])
    cte = f"""
        with as_of as (
            select max(snapshot_date) as as_of_date from marts.fct_portfolio_snapshots
            where portfolio_id = :portfolio_id
        ),
        filtered as (
            select {columns}
            from marts.dim_positions d
            left join marts.fct_position_values_daily v
              on v.position_id = d.position_id
             and v.valuation_date = (select as_of_date from as_of)
            left join app.positions lot on lot.id = d.position_id
            where {' and '.join(clauses)}
        )
    """
    return cte, params


def _tags_of(conn: Connection, user_id: int, position_ids: list[int]) -> dict[int, list[dict]]:
    if not position_ids:
        return {}
    sql, params = in_list("position", position_ids)
    rows = conn.fetch_dicts(
        "select pt.position_id, t.id, t.name, t.color from app.position_tags pt "
        "join app.tags t on t.id = pt.tag_id "
        f"where t.user_id = :user_id and pt.position_id in {sql} order by t.name",
        {**params, "user_id": user_id})
    tags: dict[int, list[dict]] = defaultdict(list)
    for row in rows:
        tags[int(row["position_id"])].append(
            {"id": int(row["id"]), "name": row["name"], "color": row["color"]})
    return tags


def _subtotals(row: dict[str, Any]) -> dict[str, Any]:
    return {"count": int(row["count"] or 0), **floats({c: row[c] for c in SUM_COLUMNS},
                                                       SUM_COLUMNS)}


GROUP_COLUMNS = {"type": "f.position_type", "sector": "coalesce(f.sector, 'Unknown')",
                 "industry": "coalesce(f.industry, 'Unknown')"}
GroupBy = Literal["type", "tag", "sector", "industry"]


def _column_groups(conn: Connection, cte: str, params: dict[str, Any],
                   group_by: str) -> list[dict[str, Any]]:
    """Subtotals per position type, sector or industry (NULL → its own 'Unknown' group)."""
    key = GROUP_COLUMNS[group_by]
    rows = conn.fetch_dicts(f"{cte} select {key} as key, count(*) as count, {_SUMS} "
                            f"from filtered f group by {key}", params)
    members: dict[str, list[int]] = defaultdict(list)
    for group_key, position_id in conn.fetchall(
            f"{cte} select {key}, f.position_id from filtered f "
            "order by f.symbol, f.entry_date, f.position_id", params):
        members[group_key].append(int(position_id))
    groups = [{"key": row["key"], "tag_id": None, "color": None, **_subtotals(row),
               "position_ids": members[row["key"]]} for row in rows]
    if group_by == "type":
        return sorted(groups, key=lambda g: TYPE_ORDER.get(g["key"], 99))
    return sorted(groups, key=lambda g: (g["key"] == "Unknown", g["key"]))


def _tag_groups(conn: Connection, cte: str, params: dict[str, Any],
                user_id: int) -> list[dict[str, Any]]:
    params = {**params, "user_id": user_id}
    tag_join = ("join app.position_tags pt on pt.position_id = f.position_id "
                "join app.tags t on t.id = pt.tag_id and t.user_id = :user_id")
    untagged = ("not exists (select 1 from app.position_tags pt "
                "join app.tags t on t.id = pt.tag_id and t.user_id = :user_id "
                "where pt.position_id = f.position_id)")
    rows = conn.fetch_dicts(
        f"""{cte}
        select t.id as tag_id, t.name as key, t.color, count(*) as count, {_SUMS}
        from filtered f {tag_join}
        group by t.id, t.name, t.color
        union all
        select cast(null as bigint), cast(null as varchar), cast(null as varchar),
               count(*) as count, {_SUMS}
        from filtered f where {untagged}
        having count(*) > 0""", params)
    members: dict[int | None, list[int]] = defaultdict(list)
    for tag_id, position_id in conn.fetchall(
            f"""{cte}
            select tag_id, position_id from (
                select t.id as tag_id, f.position_id, f.symbol, f.entry_date
                from filtered f {tag_join}
                union all
                select cast(null as bigint), f.position_id, f.symbol, f.entry_date
                from filtered f where {untagged}
            ) m order by symbol, entry_date, position_id""", params):
        members[None if tag_id is None else int(tag_id)].append(int(position_id))
    groups = [{"key": row["key"], "tag_id": None if row["tag_id"] is None else int(row["tag_id"]),
               "color": row["color"], **_subtotals(row),
               "position_ids": members[None if row["tag_id"] is None else int(row["tag_id"])]}
              for row in rows]
    return sorted(groups, key=lambda g: (g["key"] is None, g["key"] or ""))


def list_positions(warehouse: Warehouse, *, user_id: int, portfolio_id: int,
                   criteria: PositionFilter, group_by: GroupBy | None,
                   limit: int, offset: int) -> dict[str, Any]:
    """One page of positions plus totals (and groups) over every filtered position."""
    cte, params = _filtered_cte(user_id, portfolio_id, criteria)
    with warehouse.connect() as conn:
        consistent_reads(conn)
        # the page, with the as-of date and the totals over every filtered row (window
        # aggregates are computed before the limit) in one statement
        rows = conn.fetch_dicts(
            f"""{cte} select f.*, (select as_of_date from as_of) as _as_of,
                   count(*) over () as _count, {_WINDOW_SUMS}
            from filtered f order by symbol, entry_date, position_id
            limit :limit offset :offset""", {**params, "limit": limit, "offset": offset})
        if rows:
            first = rows[0]
            as_of = {"as_of_date": first["_as_of"]}
            totals = {"count": first["_count"], "stale": first["_stale"],
                      **{c: first[f"_{c}"] for c in SUM_COLUMNS}}
        else:  # a page past the end: the totals need their own statement
            summed = conn.fetch_one(
                f"{cte} select (select as_of_date from as_of) as as_of_date, "
                f"count(*) as count, {_SUMS} from filtered f", params)
            assert summed is not None  # an aggregate always returns one row
            as_of = totals = summed
        rows = [{k: v for k, v in row.items() if not k.startswith("_")} for row in rows]
        tags = _tags_of(conn, user_id, [int(row["position_id"]) for row in rows])
        groups = None
        if group_by == "tag":
            groups = _tag_groups(conn, cte, params, user_id)
        elif group_by is not None:
            groups = _column_groups(conn, cte, params, group_by)
    items = [{**floats(row, FLOAT_COLUMNS), "position_id": int(row["position_id"]),
              "tags": tags.get(int(row["position_id"]), [])} for row in rows]
    assert totals is not None
    return {
        "portfolio_id": portfolio_id, "as_of": as_of["as_of_date"] if as_of else None,
        "total": int(totals["count"]), "limit": limit, "offset": offset, "items": items,
        "stale_positions": int(totals["stale"] or 0),
        "totals": _subtotals(totals), "group_by": group_by, "groups": groups,
    }
