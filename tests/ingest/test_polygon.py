"""PolygonProvider against a loopback server speaking Polygon's wire format."""

from __future__ import annotations

import datetime as dt
import math
import random

import pandas as pd
import pytest

from ingest.polygon import PolygonProvider, bar_date, polygon_ticker
from ingest.providers import BAR_COLUMNS
from ingest.rate_limit import FakeClock, TokenBucket
from ingest.synthetic import SyntheticProvider
from tests.fakes.fake_polygon import FakePolygon
from tests.fakes.polygon_wire import epoch_ms

START, END = dt.date(2025, 9, 2), dt.date(2025, 12, 31)
OPTION = "AAPL260116C00200000"


@pytest.fixture
def fake():
    with FakePolygon(page_size=25) as server:
        yield server


def make_provider(fake: FakePolygon, **options) -> PolygonProvider:
    options.setdefault("limiter", TokenBucket(math.inf))
    options.setdefault("clock", FakeClock())
    options.setdefault("max_retries", 3)
    options.setdefault("rng", random.Random(0))
    return PolygonProvider(base_url=fake.base_url, api_key=fake.api_key, **options)


def expected_bars(symbol: str, start: dt.date = START, end: dt.date = END) -> pd.DataFrame:
    return SyntheticProvider(risk_free_rate=0.045).daily_bars([symbol], start, end).bars


def test_polygon_ticker_and_session_dates():
    assert polygon_ticker("AAPL") == "AAPL"
    assert polygon_ticker(OPTION) == "O:" + OPTION
    assert polygon_ticker("AAPL  260116C00200000") == "O:" + OPTION
    # Polygon stamps daily bars at midnight New York: 05:00 UTC in winter, 04:00 in summer
    assert bar_date(1704171600000) == dt.date(2024, 1, 2)     # 2024-01-02T05:00Z
    assert bar_date(1719806400000) == dt.date(2024, 7, 1)     # 2024-07-01T04:00Z
    for day in (dt.date(2025, 3, 7), dt.date(2025, 3, 10), dt.date(2025, 11, 3)):
        assert bar_date(epoch_ms(day)) == day


def test_bars_are_mapped_paginated_and_match_the_served_data(fake):
    provider = make_provider(fake)
    result = provider.daily_bars(["AAPL", OPTION], START, END)
    assert result.errors == {}
    assert list(result.bars.columns) == list(BAR_COLUMNS)
    assert set(result.bars["source"]) == {"polygon"}
    for symbol in ("AAPL", OPTION):
        got = result.bars[result.bars["symbol"] == symbol].reset_index(drop=True)
        want = expected_bars(symbol)
        assert len(got) == len(want) > 25
        assert list(got["price_date"]) == list(want["price_date"])
        for ours, theirs in [("open", "open"), ("high", "high"), ("low", "low"),
                             ("close", "close"), ("volume", "volume"), ("vwap", "vwap")]:
            assert got[ours].to_numpy() == pytest.approx(want[theirs].to_numpy())
        assert list(got["trades"]) == list(want["trades"])
    # 84 sessions at 25 per page: 4 requests per symbol, options asked as O:...
    pages = math.ceil(len(expected_bars("AAPL")) / 25)
    assert len(fake.requests_for("AAPL")) == pages
    assert len(fake.requests_for("O:" + OPTION)) == pages
    first, *rest = fake.requests_for("AAPL")
    assert first.path == f"/v2/aggs/ticker/AAPL/range/1/day/{START}/{END}"
    assert first.query["adjusted"] == ["true"]
    assert first.query["sort"] == ["asc"]
    assert first.query["limit"] == ["50000"]
    assert all(record.authorised for record in fake.log)
    assert all(record.query["apiKey"] == [fake.api_key] and "cursor" in record.query
               for record in rest)


def test_wrong_api_key_fails_every_symbol_without_retrying(fake):
    provider = PolygonProvider(base_url=fake.base_url, api_key="wrong",
                               limiter=TokenBucket(math.inf), clock=FakeClock())
    result = provider.daily_bars(["AAPL", "MSFT"], START, END)
    assert result.bars.empty
    assert set(result.errors) == {"AAPL", "MSFT"}
    assert "HTTP 401" in result.errors["AAPL"]
    assert "Unknown API Key" in result.errors["AAPL"]
    assert len(fake.log) == 2


def test_429_honours_retry_after_then_succeeds(fake):
    fake.add_fault("AAPL", "429", times=2, retry_after="7")
    clock = FakeClock()
    result = make_provider(fake, clock=clock).daily_bars(["AAPL"], START, END)
    assert result.errors == {}
    assert len(result.bars) == len(expected_bars("AAPL"))
    assert clock.sleeps == [7.0, 7.0]
    assert [r.status for r in fake.requests_for("AAPL")][:3] == [429, 429, 200]


def test_429_with_an_http_date_retry_after(fake):
    when = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=30)
    fake.add_fault("AAPL", "429", times=1,
                   retry_after=when.strftime("%a, %d %b %Y %H:%M:%S GMT"))
    clock = FakeClock()
    result = make_provider(fake, clock=clock).daily_bars(["AAPL"], START, END)
    assert result.errors == {}
    assert len(clock.sleeps) == 1
    assert 27 <= clock.sleeps[0] <= 30


def test_5xx_is_retried_with_exponential_backoff_until_the_server_recovers(fake):
    fake.add_fault("MSFT", "5xx", times=3, status=502)
    clock = FakeClock()
    result = make_provider(fake, clock=clock).daily_bars(["MSFT"], START, END)
    assert result.errors == {}
    assert len(result.bars) == len(expected_bars("MSFT"))
    assert len(clock.sleeps) == 3
    for attempt, slept in enumerate(clock.sleeps):
        assert 2 * 2**attempt <= slept < 2 * 2**attempt + 1


def test_a_symbol_that_keeps_failing_is_failed_with_its_reason_and_others_complete(fake):
    fake.add_fault("NVDA", "5xx")            # forever
    fake.add_fault("ZZZZ", "not_found")
    fake.add_fault("EMPTY", "empty")
    fake.add_fault("BADJ", "malformed")      # forever
    fake.add_fault("REFUSE", "error")
    symbols = ["AAPL", "NVDA", "MSFT", "ZZZZ", "EMPTY", "BADJ", "REFUSE", "SPY"]
    result = make_provider(fake, max_retries=2).daily_bars(symbols, START, END)
    assert sorted(result.bars["symbol"].unique()) == ["AAPL", "MSFT", "SPY"]
    assert set(result.errors) == {"NVDA", "ZZZZ", "EMPTY", "BADJ", "REFUSE"}
    assert "HTTP 503" in result.errors["NVDA"]
    assert "3 attempts" in result.errors["NVDA"]
    assert "malformed JSON" in result.errors["BADJ"]
    assert "unknown ticker" in result.errors["ZZZZ"]
    assert "resultsCount 0" in result.errors["EMPTY"]
    assert "HTTP 400" in result.errors["REFUSE"]
    # bounded retries for the retryable ones, a single request for the definitive ones
    assert len(fake.requests_for("NVDA")) == 3
    assert len(fake.requests_for("BADJ")) == 3
    assert len(fake.requests_for("ZZZZ")) == 1
    assert len(fake.requests_for("EMPTY")) == 1


def test_slow_answers_time_out_and_are_retried(fake):
    fake.add_fault("AAPL", "slow", times=1, delay=1.0)
    clock = FakeClock()
    provider = make_provider(fake, clock=clock, timeout=0.3)
    result = provider.daily_bars(["AAPL"], START, END)
    assert result.errors == {}
    assert len(clock.sleeps) == 1
    fake.add_fault("MSFT", "slow", delay=1.0)
    result = make_provider(fake, timeout=0.2, max_retries=1).daily_bars(["MSFT"], START, END)
    assert "timeout after 0.2s" in result.errors["MSFT"]


def test_dropped_connections_are_retried(fake):
    fake.add_fault("AAPL", "crash", times=1)
    result = make_provider(fake).daily_bars(["AAPL"], START, END)
    assert result.errors == {}


def test_next_url_on_another_host_is_refused(fake):
    provider = make_provider(fake)
    from ingest.polygon import SymbolFetchError
    with pytest.raises(SymbolFetchError, match="another host"):
        provider._next_page("https://evil.example.com/v2/aggs/ticker/AAPL?cursor=x")
    url = provider._next_page(f"{fake.base_url}/v2/aggs/ticker/AAPL?cursor=x")
    assert f"apiKey={fake.api_key}" in url


def test_configured_rate_is_never_exceeded_per_the_server_log(fake):
    """600 requests/minute (one every 100 ms) over ~3 s, measured at the server."""
    fake.page_size = 50_000
    provider = make_provider(fake, limiter=TokenBucket(600))
    symbols = [f"S{chr(65 + i // 26)}{chr(65 + i % 26)}" for i in range(31)]
    result = provider.daily_bars(symbols, START, END)
    assert result.errors == {}
    arrivals = sorted(record.at for record in fake.aggregate_requests())
    assert len(arrivals) == 31
    span = arrivals[-1] - arrivals[0]
    assert span >= 30 * 0.1 - 0.02          # 31 requests need 30 intervals of 100 ms
    # no one-second window (less 20 ms of network jitter) holds more than 10 requests
    busiest = max(sum(1 for t in arrivals if s <= t < s + 1.0 - 0.02) for s in arrivals)
    assert busiest <= 10


def test_settings_configure_the_client(fake, tmp_path):
    from ingest.config import Settings

    settings = Settings(environment="test", data_dir=tmp_path, polygon_api_key=fake.api_key,
                        polygon_base_url=fake.base_url + "/", polygon_requests_per_minute=6000,
                        polygon_timeout_seconds=3, polygon_max_retries=1)
    provider = PolygonProvider(settings)
    assert provider.base_url == fake.base_url
    assert provider.max_retries == 1
    assert provider.timeout == 3
    assert provider.limiter.rate_per_minute == 6000
    assert provider.daily_bars(["AAPL"], START, END).errors == {}
    with pytest.raises(ValueError, match="API key"):
        PolygonProvider(Settings(environment="test", data_dir=tmp_path))
