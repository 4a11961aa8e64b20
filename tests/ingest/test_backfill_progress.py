"""Backfill through Polygon (loopback) + cache: progress rows, failures, crash and rerun.

Every test runs on DuckDB and on PostgreSQL (``warehouse`` fixture).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import random

import pandas as pd
import pytest

from ingest import calendar
from ingest.backfill_progress import backfill_prices, read_progress
from ingest.market_cache import CachedPriceProvider
from ingest.polygon import PolygonProvider
from ingest.rate_limit import FakeClock, TokenBucket
from ingest.synthetic import SyntheticProvider
from ingest.warehouse import Warehouse
from tests.fakes.fake_polygon import FakePolygon

START, END = dt.date(2025, 6, 2), dt.date(2025, 11, 28)
OPTION = "MSFT260116P00400000"
SYMBOLS = ["AAPL", "MSFT", OPTION, "SPY", "NVDA", "IWM"]


@pytest.fixture
def fake():
    with FakePolygon(page_size=40) as server:
        yield server


def cached_polygon(fake: FakePolygon, warehouse: Warehouse, **options) -> CachedPriceProvider:
    polygon = PolygonProvider(base_url=fake.base_url, api_key=fake.api_key,
                              limiter=TokenBucket(math.inf), clock=FakeClock(), max_retries=2,
                              rng=random.Random(0))
    return CachedPriceProvider(polygon, warehouse, **options)


def stored_prices(warehouse: Warehouse) -> pd.DataFrame:
    with warehouse.connect() as conn:
        frame = conn.fetch_df("select symbol, price_date, close, source from raw.prices_daily "
                              "order by symbol, price_date")
    frame["price_date"] = pd.to_datetime(frame["price_date"]).dt.date
    return frame


def expected_prices(symbols, start=START, end=END) -> pd.DataFrame:
    bars = SyntheticProvider(risk_free_rate=0.045).daily_bars(symbols, start, end).bars
    frame = bars[["symbol", "price_date", "close"]].sort_values(["symbol", "price_date"])
    return frame.reset_index(drop=True)


def assert_prices_complete(warehouse: Warehouse, symbols) -> None:
    stored = stored_prices(warehouse)
    assert not stored.duplicated(["symbol", "price_date"]).any()
    assert set(stored["source"]) == {"polygon"}
    want = expected_prices(sorted(symbols))
    got = stored[stored["symbol"].isin(symbols)].sort_values(["symbol", "price_date"])
    assert list(zip(got["symbol"], got["price_date"], strict=True)) == list(
        zip(want["symbol"], want["price_date"], strict=True))
    assert got["close"].to_numpy() == pytest.approx(want["close"].to_numpy())


def test_backfill_writes_every_session_and_a_completed_progress_row(warehouse, fake):
    report = backfill_prices(warehouse, cached_polygon(fake, warehouse), SYMBOLS, START, END,
                             batch_run_id="run-1", priority="backfill")
    assert report.status == "completed"
    assert report.errors == {}
    assert_prices_complete(warehouse, SYMBOLS)
    # stock rows cover every session; the option's stop at its expiry (after END here)
    assert report.rows_written["AAPL"] == len(calendar.sessions(START, END))
    row = read_progress(warehouse, "run-1")
    assert row["provider"] == "polygon"
    assert (row["total_symbols"], row["processed_symbols"], row["failed_symbols"]) == (6, 6, 0)
    assert row["status"] == "completed"
    assert row["completed_at"] is not None
    assert row["error_details"] == {}
    assert row["start_date"] == START
    assert row["end_date"] == END


def test_second_backfill_of_the_same_window_makes_zero_requests(warehouse, fake):
    backfill_prices(warehouse, cached_polygon(fake, warehouse), SYMBOLS, START, END)
    first = len(fake.log)
    assert first == len(SYMBOLS) * math.ceil(len(calendar.sessions(START, END)) / 40)
    provider = cached_polygon(fake, warehouse)
    report = backfill_prices(warehouse, provider, SYMBOLS, START, END)
    assert report.status == "completed"
    assert len(fake.log) == first
    assert provider.stats["stored_only"] == len(SYMBOLS)
    assert_prices_complete(warehouse, SYMBOLS)


def test_cache_answers_when_stored_rows_are_gone_and_expires_after_24h(warehouse, fake):
    backfill_prices(warehouse, cached_polygon(fake, warehouse), ["AAPL"], START, END)
    requests = len(fake.log)
    with warehouse.connect() as conn:
        conn.execute("delete from raw.prices_daily")
    provider = cached_polygon(fake, warehouse)
    backfill_prices(warehouse, provider, ["AAPL"], START, END)
    assert len(fake.log) == requests
    assert provider.stats["cache_hits"] == 1
    assert_prices_complete(warehouse, ["AAPL"])

    with warehouse.connect() as conn:
        conn.execute("delete from raw.prices_daily")
    later = dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(hours=25)
    provider = cached_polygon(fake, warehouse, now=lambda: later)
    backfill_prices(warehouse, provider, ["AAPL"], START, END)
    assert len(fake.log) == 2 * requests
    assert provider.stats["fetched"] == 1
    with warehouse.connect() as conn:   # upsert: still one entry for the key
        assert conn.fetch_one("select count(*) as n from raw.market_data_cache")["n"] == 1
    assert_prices_complete(warehouse, ["AAPL"])


def test_only_the_missing_date_range_is_fetched(warehouse, fake):
    middle = dt.date(2025, 8, 29)
    backfill_prices(warehouse, cached_polygon(fake, warehouse), ["AAPL"], START, middle)
    fake.clear()
    backfill_prices(warehouse, cached_polygon(fake, warehouse), ["AAPL"], START, END)
    first_missing = calendar.sessions(middle + dt.timedelta(days=1), END)[0]
    paths = {record.path for record in fake.log}
    assert paths == {f"/v2/aggs/ticker/AAPL/range/1/day/{first_missing}/{END}"}
    assert_prices_complete(warehouse, ["AAPL"])


def test_a_failing_symbol_is_failed_with_its_reason_while_the_others_complete(warehouse, fake):
    fake.add_fault("NVDA", "5xx")
    fake.add_fault("ZZZZ", "not_found")
    fake.add_fault("MSFT", "429", times=1, retry_after="1")
    report = backfill_prices(warehouse, cached_polygon(fake, warehouse),
                             [*SYMBOLS, "ZZZZ"], START, END, batch_run_id="run-f")
    assert set(report.errors) == {"NVDA", "ZZZZ"}
    assert_prices_complete(warehouse, [s for s in SYMBOLS if s != "NVDA"])
    assert "NVDA" not in set(stored_prices(warehouse)["symbol"])
    row = read_progress(warehouse, "run-f")
    assert (row["processed_symbols"], row["failed_symbols"]) == (7, 2)
    assert row["status"] == "completed"
    assert "HTTP 503" in row["error_details"]["NVDA"]
    assert "unknown ticker" in row["error_details"]["ZZZZ"]
    with warehouse.connect() as conn:
        errors = dict(conn.fetchall("select symbol, error from raw.market_data_errors"))
    assert errors.keys() == {"NVDA", "ZZZZ"}
    # the failed symbol is not cached: the next run asks for it again (and only it)
    fake.log.clear()
    fake.faults.clear()
    report = backfill_prices(warehouse, cached_polygon(fake, warehouse),
                             [*SYMBOLS], START, END)
    assert report.errors == {}
    assert {record.ticker for record in fake.log} == {"NVDA"}
    assert_prices_complete(warehouse, SYMBOLS)


def test_progress_is_committed_per_symbol_and_readable_while_running(warehouse, fake,
                                                                     settings):
    fake.add_fault("SPY", "empty")
    reader = Warehouse(settings)   # a second handle: sees only committed data
    seen = []

    def peek(symbol, rows, error):
        row = read_progress(reader, "run-live")
        seen.append((symbol, row["status"], row["processed_symbols"], row["failed_symbols"],
                     sorted(row["error_details"])))
        with reader.connect() as conn:
            stored = conn.fetch_one("select count(*) as n from raw.prices_daily "
                                    "where symbol = :s", {"s": symbol})["n"]
        assert stored == rows

    backfill_prices(warehouse, cached_polygon(fake, warehouse), SYMBOLS, START, END,
                    batch_run_id="run-live", on_symbol=peek)
    reader.close()
    assert seen == [
        ("AAPL", "processing", 1, 0, []),
        ("MSFT", "processing", 2, 0, []),
        (OPTION, "processing", 3, 0, []),
        ("SPY", "processing", 4, 1, ["SPY"]),
        ("NVDA", "processing", 5, 1, ["SPY"]),
        ("IWM", "processing", 6, 1, ["SPY"]),
    ]


def test_crash_half_way_then_rerun_leaves_no_duplicate_or_missing_rows(warehouse, fake):
    class Crash(RuntimeError):
        pass

    def crash_after_three(symbol, rows, error):
        if symbol == SYMBOLS[2]:
            raise Crash("worker killed")

    with pytest.raises(Crash):
        backfill_prices(warehouse, cached_polygon(fake, warehouse), SYMBOLS, START, END,
                        batch_run_id="run-crash", on_symbol=crash_after_three)
    row = read_progress(warehouse, "run-crash")
    assert row["status"] == "failed"
    assert row["processed_symbols"] == 3
    assert "worker killed" in row["error_details"]["_run"]
    assert set(stored_prices(warehouse)["symbol"]) == set(SYMBOLS[:3])

    fake.log.clear()
    report = backfill_prices(warehouse, cached_polygon(fake, warehouse), SYMBOLS, START, END,
                             batch_run_id="run-resume")
    assert report.status == "completed"
    # the rerun asks only for the symbols the crashed run had not reached
    assert {record.ticker for record in fake.log} == set(SYMBOLS[3:])
    assert_prices_complete(warehouse, SYMBOLS)
    assert read_progress(warehouse, "run-resume")["processed_symbols"] == len(SYMBOLS)


def test_a_provider_exception_is_one_symbols_failure(warehouse):
    class Flaky:
        name = "flaky"

        def daily_bars(self, symbols, start, end):
            if "BOOM" in symbols:
                raise ValueError("bad payload")
            return SyntheticProvider(0.045).daily_bars(symbols, start, end)

    report = backfill_prices(warehouse, Flaky(), ["AAPL", "BOOM", "SPY"], START, END,
                             batch_run_id="run-x")
    assert report.errors == {"BOOM": "ValueError: bad payload"}
    row = read_progress(warehouse, "run-x")
    assert row["failed_symbols"] == 1
    assert row["status"] == "completed"
    assert json.dumps(row["error_details"]) == '{"BOOM": "ValueError: bad payload"}'
    everything_failed = backfill_prices(warehouse, Flaky(), ["BOOM"], START, END)
    assert everything_failed.status == "failed"


def test_a_queued_run_is_pending_then_processing_with_its_portfolio_and_creation(warehouse,
                                                                                  fake):
    from ingest.backfill_progress import BackfillProgress, queue_progress
    from ingest.warehouse.batch_runs import create_batch_run

    run_id = create_batch_run(warehouse, "portfolio_backfill", portfolio_id=7)
    queue_progress(warehouse, run_id, "polygon", 7)
    queued = read_progress(warehouse, run_id)
    assert (queued["status"], queued["portfolio_id"]) == ("pending", 7)
    BackfillProgress.begin(warehouse, provider="polygon", start=START, end=END, total=2,
                           batch_run_id=run_id)
    started = read_progress(warehouse, run_id)
    assert (started["status"], started["portfolio_id"]) == ("processing", 7)
    assert started["created_at"] == queued["created_at"] <= started["started_at"]
    report = backfill_prices(warehouse, cached_polygon(fake, warehouse), ["AAPL"], START, END,
                             batch_run_id=run_id)
    done = read_progress(warehouse, run_id)
    assert (report.status, done["status"], done["created_at"]) == (
        "completed", "completed", queued["created_at"])
