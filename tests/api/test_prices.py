"""GET /prices/{symbol}: the rows of raw.prices_daily with their source."""

from __future__ import annotations

import pytest

from ingest.occ import parse_occ
from tests.api.conftest import error_of, ok_data


def _raw(env, symbol: str) -> list[dict]:
    return env.rows("select price_date, open, high, low, close, volume, source "
                    "from raw.prices_daily where symbol = :s order by price_date", {"s": symbol})


def test_prices_of_a_stock_match_raw_prices(env):
    raw = _raw(env, "AAPL")
    data = ok_data(env.get("/api/v1/prices/AAPL"))
    assert data["symbol"] == "AAPL"
    assert data["asset_type"] == "STOCK"
    assert data["count"] == len(data["prices"]) == len(raw) > 90
    for row, expected in zip(data["prices"], raw, strict=True):
        assert row["price_date"] == expected["price_date"].isoformat()
        assert row["close"] == pytest.approx(expected["close"], rel=1e-15)
        assert row["source"] == expected["source"] == "synthetic"
    start, end = raw[5]["price_date"], raw[9]["price_date"]
    ranged = ok_data(env.get("/api/v1/prices/AAPL",
                             params={"start": start.isoformat(), "end": end.isoformat()}))
    assert [r["price_date"] for r in ranged["prices"]] == [
        r["price_date"].isoformat() for r in raw[5:10]]


def test_prices_of_an_option_accept_the_padded_occ_form(env):
    symbol = env.rows("select min(symbol) as s from marts.dim_positions "
                      "where asset_type = 'OPTION' and portfolio_id = :p",
                      {"p": env.portfolios["demo_user_1"]})[0]["s"]
    padded = parse_occ(symbol).padded
    assert padded != symbol
    data = ok_data(env.get(f"/api/v1/prices/{padded}"))
    assert data["symbol"] == symbol
    assert data["asset_type"] == "OPTION"
    assert [r["close"] for r in data["prices"]] == pytest.approx(
        [r["close"] for r in _raw(env, symbol)])


def test_factor_etf_prices_are_there(env):
    assert ok_data(env.get("/api/v1/prices/SPY"))["count"] > 90


def test_unknown_symbol_and_bad_ranges(env):
    error_of(env.get("/api/v1/prices/NOPE"), 404, "not_found")
    error_of(env.get("/api/v1/prices/AAPL", params={"start": "2026-11-20",
                                                     "end": "2026-11-01"}), 422)
    error_of(env.client.get("/api/v1/prices/AAPL"), 401)
    empty = ok_data(env.get("/api/v1/prices/AAPL", params={"start": "2030-01-01"}))
    assert empty["count"] == 0


def test_prices_answer_only_for_the_callers_book_and_the_factor_etfs(env):
    def held(user: str) -> set[str]:
        return {r["symbol"] for r in env.rows(
            "select distinct symbol from app.positions where portfolio_id = :p",
            {"p": env.portfolios[user]})}

    theirs = sorted(held("demo_user_2") - held("demo_user_1")
                    - {r["u"] for r in env.rows("select distinct underlying_symbol as u "
                                                "from marts.dim_positions where portfolio_id "
                                                "= :p", {"p": env.portfolios["demo_user_1"]})})
    assert theirs, "the demo books must differ for this test"
    symbol = theirs[0]
    assert env.rows("select count(*) as n from raw.prices_daily where symbol = :s",
                    {"s": symbol})[0]["n"] > 0  # loaded, held by demo_user_2 only
    assert ok_data(env.get(f"/api/v1/prices/{symbol}", "demo_user_2"))["symbol"] == symbol
    refused = env.get(f"/api/v1/prices/{symbol}", "demo_user_1")
    never = env.get("/api/v1/prices/ZZZZ", "demo_user_1")
    assert error_of(refused, 404, "not_found")["message"] == f"no prices for symbol {symbol!r}"
    assert error_of(never, 404, "not_found")["message"] == "no prices for symbol 'ZZZZ'"
    assert ok_data(env.get("/api/v1/prices/SPLV", "demo_user_1"))["count"] > 90  # factor ETF
