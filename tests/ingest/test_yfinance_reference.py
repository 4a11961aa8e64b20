"""YFinanceReferenceProvider: real yfinance code against a loopback Yahoo.

yfinance is given a ``requests.Session`` that sends ``*.yahoo.com`` to the fake
server (tests/fakes/fake_yahoo.py), so its cookie/crumb handling, HTTP-error
handling and ``info`` flattening run unchanged.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
import yfinance as yf

from ingest.providers import REFERENCE_COLUMNS
from ingest.yfinance_reference import (
    YFinanceReferenceProvider,
    parse_info,
    write_reference,
    yahoo_symbol,
)
from tests.fakes.fake_yahoo import FakeYahoo, YahooSecurity

OPTION = "AAPL260116C00200000"


@pytest.fixture(scope="module", autouse=True)
def _yfinance_cache_in_tmp(tmp_path_factory):
    """yfinance keeps a cookie/tz cache on disk: keep it out of the user's home."""
    yf.set_tz_cache_location(str(tmp_path_factory.mktemp("yfinance-cache")))


@pytest.fixture
def yahoo():
    with FakeYahoo() as fake:
        fake.add(YahooSecurity("AAPL", "Apple Inc.", "Technology", "Consumer Electronics",
                               0.0071))
        fake.add(YahooSecurity("GME", "GameStop Corp.", "Consumer Cyclical",
                               "Specialty Retail", 0.2134))
        fake.add(YahooSecurity("BRK-B", "Berkshire Hathaway Inc.", "Financial Services",
                               "Insurance - Diversified", 0.0102))
        fake.add(YahooSecurity("SPY", "SPDR S&P 500 ETF Trust", quote_type="ETF"))
        yield fake


def by_symbol(frame: pd.DataFrame) -> dict[str, dict]:
    return {row["symbol"]: row for row in frame.to_dict("records")}


def test_yfinance_sector_industry_and_short_interest_through_yahoo_json(yahoo):
    provider = YFinanceReferenceProvider(session=yahoo.session())
    result = provider.reference_data(["AAPL", "GME", "BRK.B", "SPY", OPTION])
    assert result.errors == {}
    assert list(result.frame.columns) == list(REFERENCE_COLUMNS)
    rows = by_symbol(result.frame)
    assert rows["AAPL"]["sector"] == "Technology"
    assert rows["AAPL"]["industry"] == "Consumer Electronics"
    assert rows["AAPL"]["short_interest"] == pytest.approx(0.0071)
    assert rows["AAPL"]["name"] == "Apple Inc."
    assert rows["GME"]["short_interest"] == pytest.approx(0.2134)
    assert rows["BRK.B"]["industry"] == "Insurance - Diversified"   # asked as BRK-B
    assert rows["SPY"]["name"] == "SPDR S&P 500 ETF Trust"
    assert pd.isna(rows["SPY"]["sector"])
    assert pd.isna(rows["SPY"]["short_interest"])
    assert rows[OPTION]["sector"] == "Technology"                   # its underlying's
    assert set(result.frame["reference_source"]) == {"yfinance"}
    # the option shares AAPL's request; yfinance really used the crumb it was handed
    summaries = [p for p in yahoo.paths() if p.startswith("/v10/finance/quoteSummary/")]
    assert sorted(summaries) == sorted(f"/v10/finance/quoteSummary/{s}"
                                       for s in ("AAPL", "GME", "BRK-B", "SPY"))
    assert all(query.get("crumb") == ["fakeCrumb123"] for path, query in yahoo.log
               if path.startswith("/v10/finance/quoteSummary/"))
    assert provider.requests_made == 4


def test_unknown_symbols_and_server_errors_are_per_symbol_errors(yahoo):
    yahoo.fail_status["GME"] = 500
    provider = YFinanceReferenceProvider(session=yahoo.session())
    result = provider.reference_data(["AAPL", "NOPE", "GME"])
    assert set(result.frame["symbol"]) == {"AAPL"}
    assert set(result.errors) == {"NOPE", "GME"}
    assert result.errors["NOPE"] == "yfinance: HTTP 404 from Yahoo Finance for NOPE"
    assert result.errors["GME"] == "yfinance: HTTP 500 from Yahoo Finance for GME"


def test_exceptions_and_empty_answers_never_raise():
    class Boom:
        @property
        def info(self):
            raise ConnectionError("no route to host")

    class Empty:
        info = {"trailingPegRatio": None}   # what yfinance returns when Yahoo said nothing

    factories = {"BOOM": Boom, "EMPTY": Empty}
    provider = YFinanceReferenceProvider(ticker_factory=lambda s: factories[s]())
    result = provider.reference_data(["BOOM", "EMPTY"])
    assert result.frame.empty
    assert "ConnectionError: no route to host" in result.errors["BOOM"]
    assert "empty answer" in result.errors["EMPTY"]


def test_parse_info_and_symbols():
    assert parse_info({}) == "empty answer from Yahoo Finance"
    assert parse_info(None) == "empty answer from Yahoo Finance"
    parsed = parse_info({"shortName": "X", "sector": " Energy ", "shortPercentOfFloat": "bad"})
    assert parsed == {"name": "X", "sector": "Energy", "industry": None, "short_interest": None}
    assert yahoo_symbol("BRK.B") == "BRK-B"
    assert yahoo_symbol(OPTION) == "AAPL"


def test_reference_data_is_cached_in_raw_securities(warehouse, yahoo):
    with warehouse.connect() as conn:
        for symbol in ("AAPL", "GME", "NOPE"):
            conn.execute("insert into raw.securities (symbol, asset_type, underlying_symbol) "
                         "values (:s, 'STOCK', :s)", {"s": symbol})
    provider = YFinanceReferenceProvider(warehouse, session=yahoo.session())
    result = provider.reference_data(["AAPL", "GME", "NOPE"])
    with warehouse.connect() as conn:
        assert write_reference(conn, result, fresh=provider.fresh) == 2
        rows = {r["symbol"]: r for r in conn.fetch_dicts("select * from raw.securities")}
    assert rows["AAPL"]["reference_source"] == "yfinance"
    assert rows["GME"]["short_interest"] == pytest.approx(0.2134)
    assert rows["NOPE"]["reference_error"]
    assert rows["NOPE"]["reference_source"] is None

    asked = len(yahoo.paths())
    second = YFinanceReferenceProvider(warehouse, session=yahoo.session())
    again = second.reference_data(["AAPL", "GME"])
    assert len(yahoo.paths()) == asked
    assert second.requests_made == 0
    assert by_symbol(again.frame)["GME"]["industry"] == "Specialty Retail"
    assert second.fresh == set()

    expired = YFinanceReferenceProvider(
        warehouse, session=yahoo.session(),
        now=lambda: dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(hours=25))
    expired.reference_data(["AAPL"])
    assert expired.requests_made == 1
