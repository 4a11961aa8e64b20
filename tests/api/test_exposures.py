"""GET /risk/exposures against a plain-Python grouping of the position marts."""

from __future__ import annotations

from collections import defaultdict

import pytest

from tests.api.conftest import error_of, ok_data

EXPOSURES = "/api/v1/risk/exposures"


def expected(env, by: str) -> tuple[dict, dict]:
    """Per day and group: long, short, gross, net, count — from position values + dims."""
    portfolio_id = env.portfolios["demo_user_1"]
    snapshots = {r["snapshot_date"]: r for r in env.rows(
        "select snapshot_date, equity, long_exposure, short_exposure, gross_exposure, "
        "net_exposure from marts.fct_portfolio_snapshots where portfolio_id = :p",
        {"p": portfolio_id})}
    dims = {r["position_id"]: r for r in env.rows(
        "select * from marts.dim_positions where portfolio_id = :p", {"p": portfolio_id})}
    tags = defaultdict(list)
    for row in env.rows("select pt.position_id, t.name from app.position_tags pt "
                        "join app.tags t on t.id = pt.tag_id"):
        tags[row["position_id"]].append(row["name"])
    groups: dict = defaultdict(lambda: defaultdict(float))
    for value in env.rows("select * from marts.fct_position_values_daily "
                          "where portfolio_id = :p", {"p": portfolio_id}):
        dim = dims[value["position_id"]]
        if by == "tag":
            names = tags[value["position_id"]] or ["untagged"]
        else:
            names = [dim[by] or "Unknown"]
        for name in names:
            g = groups[(value["valuation_date"], name)]
            g["long_exposure"] += max(value["exposure"], 0.0)
            g["short_exposure"] += min(value["exposure"], 0.0)
            g["gross_exposure"] += abs(value["exposure"])
            g["net_exposure"] += value["exposure"]
            g["position_count"] += 1
    return groups, snapshots


@pytest.mark.parametrize("by", ["sector", "industry", "asset_type", "tag"])
def test_exposures_equal_a_python_grouping(env, by):
    data = ok_data(env.get(EXPOSURES, params={"by": by, "history": "true"}))
    groups, snapshots = expected(env, by)
    assert data["by"] == by
    assert data["as_of"] == max(snapshots).isoformat()
    got = {(day["snapshot_date"], g["group_name"]): g for day in data["history"]
           for g in day["groups"]}
    assert set(got) == {(d.isoformat(), name) for d, name in groups}
    for (day, name), want in groups.items():
        row = got[(day.isoformat(), name)]
        for key, value in want.items():
            assert row[key] == pytest.approx(value, abs=1e-6), (day, name, key)
        equity = snapshots[day]["equity"]
        assert row["net_of_equity"] == pytest.approx(want["net_exposure"] / equity, rel=1e-12)
    if by != "tag":  # a partition: groups sum to the book every day
        for day, snap in snapshots.items():
            rows = [g for (d, _), g in got.items() if d == day.isoformat()]
            for key in ("long_exposure", "short_exposure", "gross_exposure", "net_exposure"):
                assert sum(r[key] for r in rows) == pytest.approx(snap[key], abs=1e-6)
    latest = data["history"][-1]
    assert latest["snapshot_date"] == data["as_of"]
    assert sorted(g["group_name"] for g in latest["groups"]) == sorted(
        g["group_name"] for g in data["groups"])


def test_default_is_the_latest_session_by_sector(env):
    data = ok_data(env.get(EXPOSURES))
    assert data["by"] == "sector"
    assert data["history"] is None
    gross = [g["gross_exposure"] for g in data["groups"]]
    assert gross == sorted(gross, reverse=True)
    assert data["conventions"]["of_equity"]


def test_bad_grouping_and_another_users_portfolio(env):
    error_of(env.get(EXPOSURES, params={"by": "country"}), 422)
    other = env.portfolios["demo_user_2"]
    error_of(env.get(EXPOSURES, params={"portfolio_id": other}), 404)
