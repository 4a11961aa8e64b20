"""A session missing for one symbol: the position stays at its last close, flagged stale.

The fake Polygon has no MSFT bar on the as-of date. The position must stay in the
snapshot valued at MSFT's previous close (price_date = the previous session,
price_is_stale), the snapshot's market value must include it, and every read of the
API (/portfolio, /positions, /risk/*) must say that one position rests on a stale price.
"""

from __future__ import annotations

import datetime as dt

import pytest

from flows.pipeline import run_pipeline
from ingest.calendar import previous_session
from ingest.upload import upload_positions_csv
from tests.api.conftest import new_env, ok_data
from tests.conftest import dispose_settings, make_settings
from tests.fakes.fake_market import synthetic_bars
from tests.fakes.fake_polygon import FakePolygon

AS_OF = dt.date(2026, 11, 20)
BEFORE = previous_session(AS_OF - dt.timedelta(days=1))
BOOK = {"AAPL": 100, "MSFT": 40, "XOM": -60}


def close(symbol: str, day: dt.date) -> float:
    return float(synthetic_bars(symbol, day, day)["close"].iloc[0])


# DuckDB only: the carry-forward SQL is checked on both warehouses by tests/dbt/test_marts.py
@pytest.mark.parametrize("kind", ["duckdb"])
def test_a_missing_bar_keeps_the_position_at_its_last_close_and_is_counted(kind, tmp_path):
    with FakePolygon() as fake:
        fake.market.drop_session("MSFT", AS_OF)
        settings = make_settings(kind, tmp_path, as_of_date=AS_OF,
                                 polygon_api_key=fake.api_key, polygon_base_url=fake.base_url,
                                 polygon_requests_per_minute=0, yfinance_enabled=False)
        env = new_env(settings)
        try:
            csv = "ticker,quantity,entry_price,entry_date,tags\n" + "".join(
                f"{s},{q},100,2026-10-01,\n" for s, q in BOOK.items())
            upload_positions_csv(env.warehouse, user_id=env.users["demo_user_1"],
                                 data=csv.encode(), today=AS_OF)
            run_pipeline(settings, warehouse=env.warehouse)

            summary = ok_data(env.get("/api/v1/portfolio"))
            assert summary["as_of"] == str(AS_OF)
            assert summary["stale_positions"] == 1
            assert summary["counts"]["position_count"] == 3
            prices = {"AAPL": close("AAPL", AS_OF), "MSFT": close("MSFT", BEFORE),
                      "XOM": close("XOM", AS_OF)}
            assert summary["market_value"] == pytest.approx(
                sum(abs(q) * prices[s] for s, q in BOOK.items()), rel=1e-12)

            page = ok_data(env.get("/api/v1/positions"))
            assert page["stale_positions"] == 1
            rows = {item["symbol"]: item for item in page["items"]}
            assert rows["MSFT"]["price_is_stale"] is True
            assert rows["MSFT"]["price_date"] == str(BEFORE)
            assert rows["MSFT"]["price"] == pytest.approx(prices["MSFT"], rel=1e-12)
            assert rows["MSFT"]["daily_pnl"] == 0
            assert [rows[s]["price_is_stale"] for s in ("AAPL", "XOM")] == [False, False]
            for path in ("/api/v1/risk/greeks", "/api/v1/risk/factors",
                         "/api/v1/risk/metrics"):
                assert ok_data(env.get(path))["stale_positions"] == 1, path
        finally:
            env.warehouse.close()
            dispose_settings(settings)
