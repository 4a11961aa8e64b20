"""GET /positions: filters, groups and pages against a plain-Python recomputation.

The expectation is built from the mart rows (``dim_positions`` + the as-of day of
``fct_position_values_daily``) and the live tag tables, then filtered, grouped,
summed and paged with ordinary Python.
"""

from __future__ import annotations

from collections import defaultdict

import pytest

from tests.api.conftest import error_of, ok_data

POSITIONS = "/api/v1/positions"
SUMS = ("market_value", "exposure", "unrealized_pnl", "daily_pnl")
TYPE_ORDER = ["LONG", "SHORT", "LC", "LP", "SC", "SP"]


def book(env, user: str = "demo_user_1") -> list[dict]:
    """Every position of the user's portfolio with its as-of values and live tags."""
    portfolio_id = env.portfolios[user]
    as_of = env.rows("select max(snapshot_date) as d from marts.fct_portfolio_snapshots "
                     "where portfolio_id = :p", {"p": portfolio_id})[0]["d"]
    dims = env.rows("select * from marts.dim_positions where portfolio_id = :p",
                    {"p": portfolio_id})
    values = {r["position_id"]: r for r in env.rows(
        "select * from marts.fct_position_values_daily where portfolio_id = :p "
        "and valuation_date = :d", {"p": portfolio_id, "d": as_of})}
    tags = defaultdict(set)
    for row in env.rows("select pt.position_id, t.id, t.name from app.position_tags pt "
                        "join app.tags t on t.id = pt.tag_id where t.user_id = :u",
                        {"u": env.users[user]}):
        tags[row["position_id"]].add((row["id"], row["name"]))
    rows = []
    for dim in dims:
        value = values.get(dim["position_id"], {})
        rows.append({**dim, **{k: value.get(k) for k in (*SUMS, "price", "valuation_date")},
                     "tags": tags[dim["position_id"]]})
    return sorted(rows, key=lambda r: (r["symbol"], r["entry_date"], r["position_id"]))


def select(rows, types=(), tags=(), mode="any") -> list[dict]:
    out = []
    for row in rows:
        names = {name for _, name in row["tags"]}
        if types and row["position_type"] not in types:
            continue
        if tags and mode == "any" and not names & set(tags):
            continue
        if tags and mode == "all" and not set(tags) <= names:
            continue
        out.append(row)
    return out


def subtotal(rows) -> dict:
    return {"count": len(rows),
            **{k: (sum(r[k] for r in rows if r[k] is not None) if rows else None) for k in SUMS}}


def assert_subtotals(got: dict, rows: list[dict]) -> None:
    want = subtotal(rows)
    assert got["count"] == want["count"]
    for key in SUMS:
        if want[key] is None:
            assert got[key] is None
        else:
            assert got[key] == pytest.approx(want[key], abs=0.005), key


def expected_groups(rows, group_by) -> dict:
    groups = defaultdict(list)
    for row in rows:
        if group_by == "type":
            groups[row["position_type"]].append(row)
        elif group_by in ("sector", "industry"):
            groups[row[group_by] or "Unknown"].append(row)
        elif row["tags"]:
            for _, name in row["tags"]:
                groups[name].append(row)
        else:
            groups[None].append(row)
    return groups


CASES = [
    {},
    {"type": "LONG"},
    {"type": "lc,SP"},
    {"type": "SHORT,LONG", "groupBy": "type"},
    {"tags": "tech"},
    {"tags": "tech,core"},
    {"tags": "Tech,CORE", "tagMode": "all"},
    {"tags": "tech,hedge", "tagMode": "any", "type": "LONG,SHORT"},
    {"groupBy": "type"},
    {"groupBy": "tag"},
    {"groupBy": "tag", "tags": "tech,core", "tagMode": "all"},
    {"groupBy": "tag", "type": "LC,LP,SC,SP"},
    {"tags": "no-such-tag"},
    {"tags": "no-such-tag", "tagMode": "all", "groupBy": "tag"},
    {"groupBy": "sector"},
    {"groupBy": "industry", "type": "LONG,LC"},
]


def _expected(env, params: dict) -> tuple[list[dict], dict | None]:
    types = [t.strip().upper() for t in params.get("type", "").split(",") if t.strip()]
    tags = [t.strip().lower() for t in params.get("tags", "").split(",") if t.strip()]
    rows = select(book(env), types, tags, params.get("tagMode", "any"))
    group_by = params.get("groupBy")
    return rows, (expected_groups(rows, group_by) if group_by else None)


@pytest.mark.parametrize("params", CASES, ids=lambda p: "&".join(f"{k}={v}" for k, v in
                                                                 p.items()) or "all")
def test_filters_and_groups_match_python(env, params):
    data = ok_data(env.get(POSITIONS, params={**params, "limit": 500}))
    rows, groups = _expected(env, params)
    assert data["total"] == len(rows)
    assert [item["position_id"] for item in data["items"]] == [r["position_id"] for r in rows]
    assert_subtotals(data["totals"], rows)
    for item, row in zip(data["items"], rows, strict=True):
        assert item["position_type"] == row["position_type"]
        assert {(t["id"], t["name"]) for t in item["tags"]} == row["tags"]
        for key in (*SUMS, "price"):
            assert item[key] == pytest.approx(row[key], rel=1e-12), key
    if groups is None:
        assert data["groups"] is None
        return
    assert data["group_by"] == params["groupBy"]
    got = {g["key"]: g for g in data["groups"]}
    assert set(got) == set(groups)
    for key, members in groups.items():
        assert_subtotals(got[key], members)
        assert got[key]["position_ids"] == [r["position_id"] for r in members]
    keys = [g["key"] for g in data["groups"]]
    if params["groupBy"] == "type":
        assert keys == [k for k in TYPE_ORDER if k in groups]
    elif params["groupBy"] in ("sector", "industry"):  # 'Unknown' last, never dropped
        assert keys == sorted(k for k in keys if k != "Unknown") + (
            ["Unknown"] if "Unknown" in keys else [])
    else:
        assert keys == sorted(k for k in keys if k is not None) + ([None] if None in keys
                                                                    else [])


def test_unfiltered_book_is_every_position_with_as_of_values(env):
    data = ok_data(env.get(POSITIONS))
    summary = ok_data(env.get("/api/v1/portfolio"))
    assert data["as_of"] == summary["as_of"]
    assert data["total"] == summary["counts"]["positions_in_book"] == 50
    assert data["totals"]["market_value"] == pytest.approx(summary["market_value"], abs=0.005)
    assert data["totals"]["exposure"] == pytest.approx(summary["net_exposure"], abs=0.005)
    assert data["totals"]["daily_pnl"] == pytest.approx(summary["daily_pnl"], abs=0.005)
    option = next(i for i in data["items"] if i["asset_type"] == "OPTION")
    assert option["multiplier"] == 100
    assert option["market_value"] == pytest.approx(
        abs(option["quantity"]) * option["price"] * 100, rel=1e-12)
    assert option["unrealized_pnl"] == pytest.approx(
        option["exposure"] - option["cost_basis"], abs=1e-6)


def test_pagination(env):
    everything = ok_data(env.get(POSITIONS, params={"limit": 500}))["items"]
    ids = [item["position_id"] for item in everything]
    seen = []
    for offset in range(0, len(ids) + 7, 7):
        page = ok_data(env.get(POSITIONS, params={"limit": 7, "offset": offset,
                                                  "groupBy": "type"}))
        assert (page["limit"], page["offset"], page["total"]) == (7, offset, len(ids))
        assert len(page["groups"]) == 6  # groups always cover every filtered position
        seen += [item["position_id"] for item in page["items"]]
    assert seen == ids
    default = ok_data(env.get(POSITIONS))
    assert default["limit"] == 100


@pytest.mark.parametrize("params", [
    {"limit": 501}, {"limit": 0}, {"offset": -1}, {"type": "LONG,FOO"}, {"tagMode": "some"},
    {"groupBy": "country"}, {"limit": "ten"},
])
def test_bad_parameters_are_422(env, params):
    error = error_of(env.get(POSITIONS, params=params), 422, "validation_error")
    assert error["details"]


def test_tag_changes_show_at_once_and_stay_private(env):
    h = env.headers("demo_user_1")
    name = f"watch-{env.settings.warehouse_kind}"
    tag = ok_data(env.client.post("/api/v1/tags", headers=h, json={"name": name}), 201)
    try:
        ids = [item["position_id"] for item in ok_data(env.get(POSITIONS))["items"][:2]]
        for position_id in ids:
            current = ok_data(env.client.get(f"{POSITIONS}/{position_id}/tags", headers=h))
            ok_data(env.client.put(f"{POSITIONS}/{position_id}/tags", headers=h, json={
                "tag_ids": [t["id"] for t in current["tags"]] + [tag["id"]]}))
        tagged = ok_data(env.get(POSITIONS, params={"tags": name}))
        assert [i["position_id"] for i in tagged["items"]] == sorted(
            ids, key=lambda i: next(r["symbol"] for r in book(env) if r["position_id"] == i))
        grouped = ok_data(env.get(POSITIONS, params={"groupBy": "tag"}))
        group = next(g for g in grouped["groups"] if g["key"] == name)
        assert sorted(group["position_ids"]) == sorted(ids)
        assert group["tag_id"] == tag["id"]
        # user 2 neither sees the tag nor user 1's positions
        other = ok_data(env.get(POSITIONS, "demo_user_2", params={"tags": name}))
        assert other["total"] == 0
        theirs = ok_data(env.get(POSITIONS, "demo_user_2", params={"limit": 500}))
        assert not set(ids) & {i["position_id"] for i in theirs["items"]}
    finally:
        ok_data(env.client.delete(f"/api/v1/tags/{tag['id']}", headers=h))
    assert ok_data(env.get(POSITIONS, params={"tags": name}))["total"] == 0
