"""A bar fetched before its session's close was final is fetched again.

Final = the session's close + 30 minutes (16:00 New York, 13:00 on early-close days):
2026-11-20 (EST, UTC−5) → 21:30 UTC; 2026-11-27, the day after Thanksgiving, closes at
13:00 → 18:30 UTC.
"""

from __future__ import annotations

import datetime as dt
import math

from ingest import calendar
from ingest.backfill_progress import backfill_prices
from ingest.market_cache import CachedPriceProvider
from ingest.polygon import PolygonProvider
from ingest.rate_limit import FakeClock, TokenBucket
from tests.fakes.fake_polygon import FakePolygon

START, END = dt.date(2026, 11, 2), dt.date(2026, 11, 20)


def test_bars_are_final_half_an_hour_after_the_close():
    assert calendar.bar_final_at(dt.date(2026, 11, 20)) == dt.datetime(2026, 11, 20, 21, 30)
    assert calendar.bar_final_at(dt.date(2026, 11, 27)) == dt.datetime(2026, 11, 27, 18, 30)


def test_a_bar_loaded_before_the_close_was_final_is_refetched(warehouse):
    with FakePolygon() as fake:
        def provider() -> CachedPriceProvider:
            return CachedPriceProvider(PolygonProvider(
                base_url=fake.base_url, api_key=fake.api_key, limiter=TokenBucket(math.inf),
                clock=FakeClock()), warehouse)

        backfill_prices(warehouse, provider(), ["AAPL"], START, END)
        early = dt.datetime(2026, 11, 20, 20, 0)  # 15:00 in New York: still trading
        with warehouse.connect() as conn:
            conn.execute("update raw.prices_daily set loaded_at = :t where price_date = :d",
                         {"t": early, "d": END})
            conn.execute("update raw.market_data_cache set fetched_at = :t", {"t": early})
        fake.market.revise_close("AAPL", END, 123.25)
        fake.clear()
        backfill_prices(warehouse, provider(), ["AAPL"], START, END)
        assert [r.path for r in fake.log] == [f"/v2/aggs/ticker/AAPL/range/1/day/{END}/{END}"]
        with warehouse.connect() as conn:
            rows = conn.fetchall("select price_date, close from raw.prices_daily "
                                 "where price_date >= :d", {"d": END})
        assert [(str(d)[:10], c) for d, c in rows] == [(str(END), 123.25)]
        fake.clear()  # now loaded after it was final: no request
        backfill_prices(warehouse, provider(), ["AAPL"], START, END)
        assert fake.log == []
