"""GET /portfolio and /portfolio/snapshots against the marts, recomputed in Python."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest

from tests.api.conftest import error_of, ok_data

CENT = 0.005
SNAPSHOT_FIELDS = ("equity", "market_value", "long_exposure", "short_exposure",
                   "gross_exposure", "net_exposure", "daily_pnl", "mtd_pnl", "ytd_pnl",
                   "cumulative_pnl", "portfolio_value", "previous_portfolio_value",
                   "daily_return")


def _snapshots(env, portfolio_id: int) -> list[dict]:
    return env.rows("select * from marts.fct_portfolio_snapshots where portfolio_id = :p "
                    "order by snapshot_date", {"p": portfolio_id})


@pytest.mark.parametrize("user", ["demo_user_1", "demo_user_2"])
def test_portfolio_summary_matches_the_marts(env, user):
    portfolio_id = env.portfolios[user]
    data = ok_data(env.get("/api/v1/portfolio", user))
    latest = _snapshots(env, portfolio_id)[-1]
    as_of = latest["snapshot_date"]
    assert data["portfolio_id"] == portfolio_id
    assert data["as_of"] == as_of.isoformat()
    assert data["name"] == env.rows("select name from app.portfolios where id = :p",
                                    {"p": portfolio_id})[0]["name"]
    for field in SNAPSHOT_FIELDS:
        assert data[field] == pytest.approx(latest[field], rel=1e-12, abs=1e-9), field

    # independent: the same totals from the position rows of the as-of date
    values = env.rows("select v.*, d.position_type from marts.fct_position_values_daily v "
                      "join marts.dim_positions d on d.position_id = v.position_id "
                      "where v.portfolio_id = :p and v.valuation_date = :d",
                      {"p": portfolio_id, "d": as_of})
    exposures = [row["exposure"] for row in values]
    long = sum(x for x in exposures if x > 0)
    short = sum(x for x in exposures if x < 0)
    assert data["market_value"] == pytest.approx(sum(r["market_value"] for r in values),
                                                 abs=CENT)
    assert data["long_exposure"] == pytest.approx(long, abs=CENT)
    assert data["short_exposure"] == pytest.approx(short, abs=CENT)
    assert data["gross_exposure"] == pytest.approx(long - short, abs=CENT)
    assert data["net_exposure"] == pytest.approx(long + short, abs=CENT)
    assert data["daily_pnl"] == pytest.approx(sum(r["daily_pnl"] for r in values), abs=CENT)
    assert data["mtd_pnl"] == pytest.approx(sum(r["mtd_pnl"] for r in values), abs=CENT)
    assert data["ytd_pnl"] == pytest.approx(sum(r["ytd_pnl"] for r in values), abs=CENT)
    assert data["portfolio_value"] == pytest.approx(
        data["equity"] + data["cumulative_pnl"], abs=CENT)
    assert data["daily_return"] == pytest.approx(
        data["daily_pnl"] / data["previous_portfolio_value"], rel=1e-9)

    by_type = Counter(row["position_type"] for row in values)
    options = {k: by_type[k.upper()] for k in ("lc", "lp", "sc", "sp")}
    in_book = env.rows("select count(*) as n from marts.dim_positions where portfolio_id = :p",
                       {"p": portfolio_id})[0]["n"]
    assert data["counts"] == {
        "position_count": len(values), "long_count": by_type["LONG"],
        "short_count": by_type["SHORT"], "option_count": sum(options.values()),
        **{f"{k}_count": v for k, v in options.items()}, "positions_in_book": in_book,
    }
    for key in ("position_count", "long_count", "short_count", "lc_count", "lp_count",
                "sc_count", "sp_count"):
        assert data["counts"][key] == latest[key], key
    assert data["price_sources"] == sorted({row["price_source"] for row in values})


def test_demo_book_shape(env):
    data = ok_data(env.get("/api/v1/portfolio"))
    counts = data["counts"]
    assert (counts["long_count"], counts["short_count"], counts["option_count"]) == (20, 15, 15)
    assert data["price_sources"] == ["synthetic"]
    assert 2_500_000 < data["market_value"] < 3_500_000


def test_snapshots_match_the_marts(env):
    portfolio_id = env.portfolios["demo_user_1"]
    marts = _snapshots(env, portfolio_id)
    data = ok_data(env.get("/api/v1/portfolio/snapshots"))
    assert data["portfolio_id"] == portfolio_id
    assert data["count"] == len(data["snapshots"]) == len(marts) == 90
    value = marts[0]["equity"]
    for row, mart in zip(data["snapshots"], marts, strict=True):
        assert row["snapshot_date"] == mart["snapshot_date"].isoformat()
        assert row["position_count"] == mart["position_count"]
        for field in SNAPSHOT_FIELDS:
            assert row[field] == pytest.approx(mart[field], rel=1e-12, abs=1e-9), field
        # V_t = V_{t-1} + P&L_t, r_t = P&L_t / V_{t-1}
        assert row["daily_return"] == pytest.approx(row["daily_pnl"] / value, rel=1e-9)
        value += row["daily_pnl"]
        assert row["portfolio_value"] == pytest.approx(value, abs=CENT)
    dates = [dt.date.fromisoformat(r["snapshot_date"]) for r in data["snapshots"]]
    assert dates == sorted(dates)


def test_snapshot_range(env):
    marts = _snapshots(env, env.portfolios["demo_user_1"])
    start, end = marts[10]["snapshot_date"], marts[19]["snapshot_date"]
    data = ok_data(env.get("/api/v1/portfolio/snapshots",
                           params={"start": start.isoformat(), "end": end.isoformat()}))
    assert [r["snapshot_date"] for r in data["snapshots"]] == [
        m["snapshot_date"].isoformat() for m in marts[10:20]]
    assert (data["start"], data["end"]) == (start.isoformat(), end.isoformat())
    only_start = ok_data(env.get("/api/v1/portfolio/snapshots",
                                 params={"start": marts[-3]["snapshot_date"].isoformat()}))
    assert only_start["count"] == 3
    error_of(env.get("/api/v1/portfolio/snapshots",
                     params={"start": end.isoformat(), "end": start.isoformat()}), 422)
    error_of(env.get("/api/v1/portfolio/snapshots", params={"start": "yesterday"}), 422,
             "validation_error")


def test_users_see_only_their_own_portfolio(env):
    mine, theirs = env.portfolios["demo_user_1"], env.portfolios["demo_user_2"]
    assert ok_data(env.get("/api/v1/portfolio", "demo_user_2"))["portfolio_id"] == theirs
    for path in ("/api/v1/portfolio", "/api/v1/portfolio/snapshots", "/api/v1/positions"):
        error = error_of(env.get(path, "demo_user_2", params={"portfolio_id": mine}), 404,
                         "not_found")
        assert str(mine) in error["message"]
        error_of(env.get(path, "demo_user_2", params={"portfolio_id": 987654}), 404)
        # explicit own id works
        ok_data(env.get(path, "demo_user_1", params={"portfolio_id": mine}))
    # the admin has no portfolio and is not let into others'
    error_of(env.get("/api/v1/portfolio", "demo_admin"), 404)
    error_of(env.get("/api/v1/portfolio", "demo_admin", params={"portfolio_id": mine}), 404)


def test_portfolio_before_the_first_build(fresh_env):
    """A seeded user with an empty portfolio on a warehouse without marts: 503."""
    error_of(fresh_env.get("/api/v1/portfolio"), 503, "data_not_ready")
