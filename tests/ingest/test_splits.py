"""Splits: Polygon's wire format, which histories are stale, how a lot is adjusted.

Expected lots are worked by hand from the rules of :mod:`ingest.splits` (quantity × r
after the upload, entry price ÷ r when as traded or after the upload).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from ingest import polygon_splits, splits
from ingest.polygon import PolygonProvider
from ingest.polygon_splits import splits_frame
from ingest.upload import upload_positions_csv
from tests.fakes.fake_polygon import FakePolygon

# The shape of Polygon's /v3/reference/splits results (its client library's fixtures).
WIRE = [
    {"execution_date": "2020-08-31", "id": "E36416cce743c3964c5da63e1ef1626c0aece30f",
     "split_from": 1, "split_to": 4, "ticker": "AAPL"},
    {"execution_date": "2022-06-06", "id": "E90a77bdf742661741ed7c8fc086415f0457c2816",
     "split_from": 1, "split_to": 20, "ticker": "AMZN"},
    {"execution_date": "2023-05-01", "id": "x", "split_from": 10, "split_to": 1,
     "ticker": "REV"},
    {"execution_date": "bad", "split_from": 1, "split_to": 2, "ticker": "X"},
    {"execution_date": "2023-05-01", "split_from": 0, "split_to": 2, "ticker": "Y"},
]


def test_wire_rows_become_splits_and_bad_rows_are_dropped():
    frame = splits_frame(WIRE)
    assert frame["symbol"].tolist() == ["AAPL", "AMZN", "REV"]
    assert frame["execution_date"].tolist() == [dt.date(2020, 8, 31), dt.date(2022, 6, 6),
                                                dt.date(2023, 5, 1)]
    assert (frame["split_to"] / frame["split_from"]).tolist() == [4.0, 20.0, 0.1]


def test_one_market_wide_query_follows_every_page(monkeypatch):
    monkeypatch.setattr(polygon_splits, "PAGE_LIMIT", 2)
    with FakePolygon() as fake:
        for index in range(5):
            fake.market.add_split(f"S{index}", dt.date(2026, 3, 2 + index))
        fake.market.add_split("LATE", dt.date(2026, 6, 1))
        with PolygonProvider(base_url=fake.base_url, api_key=fake.api_key,
                             rate_per_minute=0) as client:
            frame = client.splits(dt.date(2026, 3, 1), dt.date(2026, 5, 31))
        assert frame["symbol"].tolist() == [f"S{i}" for i in range(5)]
        assert len([r for r in fake.log if r.path == "/v3/reference/splits"]) == 3


CSV = (b"ticker,quantity,entry_price,entry_date,tags\n"
       b"AAA,100,50.0,2026-01-05,\n"
       b"BBB,30,90.0,2026-01-05,\n")


@pytest.mark.parametrize(("adjusted", "aaa", "bbb"), [
    # AAA split 2:1 on 02-02 (before the upload of 03-02) and 3:1 on 04-01 (after):
    # as traded: price ÷ 2 ÷ 3, quantity × 3; already adjusted: price ÷ 3, quantity × 3.
    (False, (300.0, 50.0 / 2 / 3), (3.0, 900.0)),
    (True, (300.0, 50.0 / 3), (3.0, 900.0)),
])
def test_lots_follow_the_splits_and_each_split_is_applied_once(warehouse, adjusted, aaa, bbb):
    upload_positions_csv(warehouse, user_id=1, data=CSV, today=dt.date(2026, 3, 2),
                         prices_split_adjusted=adjusted)
    frame = pd.DataFrame({"symbol": ["AAA", "AAA", "BBB", "CCC"],
                          "execution_date": [dt.date(2026, 2, 2), dt.date(2026, 4, 1),
                                             dt.date(2026, 4, 1), dt.date(2026, 4, 1)],
                          "split_from": [1.0, 1.0, 10.0, 1.0], "split_to": [2.0, 3.0, 1.0, 2.0],
                          "split_id": ["a", "b", "c", "d"]})
    with warehouse.connect() as conn:
        splits.store_splits(conn, frame, ["AAA", "BBB"], dt.date(2026, 4, 1))
        # before the 3:1 executes, only the pre-upload split counts
        splits.apply_position_splits(conn, dt.date(2026, 3, 31))
        splits.apply_position_splits(conn, dt.date(2026, 4, 1))
        splits.apply_position_splits(conn, dt.date(2026, 4, 2))  # nothing new
        lots = {row[0]: (row[1], row[2]) for row in conn.fetchall(
            "select symbol, quantity, entry_price from app.positions")}
        events = conn.fetchall("select count(*) from app.position_events")[0][0]
        stored = conn.fetchall("select symbol from raw.splits order by symbol, "
                               "execution_date")
    assert lots["AAA"] == pytest.approx(aaa, rel=1e-15)
    assert lots["BBB"] == pytest.approx(bbb, rel=1e-15)
    assert events == 3
    assert [s for (s,) in stored] == ["AAA", "AAA", "BBB"]


def test_only_histories_that_predate_a_new_split_are_refetched(warehouse):
    bars = pd.DataFrame({"symbol": ["OLD", "NEW"], "price_date": [dt.date(2026, 3, 30)] * 2,
                         "close": [10.0, 20.0], "source": "polygon"})
    frame = pd.DataFrame({"symbol": ["OLD", "NEW", "FUT"],
                          "execution_date": [dt.date(2026, 4, 1), dt.date(2026, 3, 2),
                                             dt.date(2026, 5, 1)],
                          "split_from": 1.0, "split_to": 2.0, "split_id": None})
    with warehouse.connect() as conn:
        conn.insert_df("raw.prices_daily", bars)
        splits.store_splits(conn, frame, ["OLD", "NEW", "FUT"], dt.date(2026, 4, 1))
        assert splits.histories_to_refetch(conn, ["OLD", "NEW", "FUT"],
                                           dt.date(2026, 4, 1)) == ["OLD"]
        splits.mark_histories_adjusted(conn, ["OLD"], dt.date(2026, 4, 1))
        assert splits.histories_to_refetch(conn, ["OLD", "NEW", "FUT"],
                                           dt.date(2026, 4, 1)) == []
        # checked through 04-01: the next window starts the day after, for every symbol
        assert splits.split_window(conn, ["OLD", "NEW"], dt.date(2025, 1, 1),
                                   dt.date(2026, 4, 7)) == (dt.date(2026, 4, 2),
                                                            dt.date(2026, 4, 7))
        assert splits.split_window(conn, ["OLD", "ZZZ"], dt.date(2025, 1, 1),
                                   dt.date(2026, 4, 7))[0] == dt.date(2025, 1, 1)
