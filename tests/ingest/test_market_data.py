"""The market-data loader on both warehouses: windows, idempotence, per-symbol errors.

Expected values come from independent sources: the XNYS sessions from
exchange-calendars directly, bars from the synthetic provider called by the test,
security fields from the symbols written out by hand.
"""

from __future__ import annotations

import datetime as dt
import functools
import warnings

import exchange_calendars as xcals
import pandas as pd
import pytest

from ingest.config import Settings
from ingest.market_data import clean_bars, load_market_data, make_price_provider
from ingest.polygon import PolygonProvider
from ingest.providers import BarsResult, ReferenceResult
from ingest.security_master import FACTOR_ETFS, symbols_for_book
from ingest.synthetic import SyntheticProvider

AS_OF = dt.date(2026, 11, 20)
START = dt.date(2025, 12, 31)  # last session of 2025, earlier than 150 sessions back
OPTION = "AAPL270618C00260000"
BOOK = [("AAPL", 100), ("MSFT", -50), (OPTION, 3), ("ZQXV", 10)]


class FailingProvider:
    """Synthetic bars, except for ``failing`` symbols, which report an error."""

    name = "flaky"

    def __init__(self, failing: set[str]):
        self.failing = failing
        self.inner = SyntheticProvider(0.045)

    def daily_bars(self, symbols, start, end) -> BarsResult:
        symbols = list(symbols)
        result = self.inner.daily_bars([s for s in symbols if s not in self.failing], start, end)
        result.errors.update({s: "429 rate limited" for s in symbols if s in self.failing})
        return result


class BrokenReference:
    def reference_data(self, symbols) -> ReferenceResult:
        raise ConnectionError("yahoo unreachable")


@functools.cache
def xnys() -> xcals.ExchangeCalendar:
    with warnings.catch_warnings():  # a pandas 3.1 deprecation inside exchange-calendars
        warnings.simplefilter("ignore")
        return xcals.get_calendar("XNYS", start="2020-01-01", end="2030-12-31")


def sessions(start: dt.date, end: dt.date) -> list[dt.date]:
    cal = xnys()
    return [ts.date() for ts in cal.sessions_in_range(start.isoformat(), end.isoformat())]


def add_positions(warehouse, book=BOOK) -> None:
    with warehouse.connect() as conn:
        for symbol, quantity in book:
            conn.execute(
                "insert into app.positions (portfolio_id, symbol, quantity, entry_price, "
                "entry_date) values (1, :symbol, :quantity, 10.0, :day)",
                {"symbol": symbol, "quantity": quantity, "day": dt.date(2026, 6, 1)})


def table(warehouse, sql: str) -> pd.DataFrame:
    with warehouse.connect() as conn:
        return conn.fetch_df(sql)


def prices(warehouse) -> pd.DataFrame:
    frame = table(warehouse, "select symbol, price_date, open, high, low, close, volume, vwap, "
                             "trades, source from raw.prices_daily order by symbol, price_date")
    frame["price_date"] = pd.to_datetime(frame["price_date"]).dt.date
    return frame


def load(warehouse, settings, **kwargs):
    return load_market_data(warehouse, settings, as_of=kwargs.pop("as_of", AS_OF), **kwargs)


def test_symbols_for_book(warehouse):
    add_positions(warehouse)
    with warehouse.connect() as conn:
        symbols = symbols_for_book(conn)
    assert symbols == sorted({"AAPL", "MSFT", OPTION, "ZQXV", *FACTOR_ETFS})


def test_load_writes_window_sessions_and_bars(warehouse, settings):
    add_positions(warehouse)
    report = load(warehouse, settings)
    days = sessions(START, AS_OF)
    assert (report.as_of, report.start, report.end) == (AS_OF, START, AS_OF)
    assert report.provider == "synthetic"
    assert report.errors == {}

    trading = table(warehouse, "select session_date, session_index from raw.trading_days "
                               "order by session_date")
    assert [d.date() for d in trading["session_date"]] == days
    assert trading["session_index"].tolist() == list(range(len(days) - 1, -1, -1))

    stored = prices(warehouse)
    expected = SyntheticProvider(0.045).daily_bars(report.symbols_loaded, START, AS_OF).bars
    assert len(stored) == len(days) * len(report.symbols_loaded) == report.rows
    pd.testing.assert_frame_equal(stored, expected.sort_values(["symbol", "price_date"])
                                  .reset_index(drop=True), check_dtype=False)


def test_security_master(warehouse, settings):
    add_positions(warehouse)
    load(warehouse, settings)
    frame = table(warehouse, "select * from raw.securities").set_index("symbol")
    assert frame.loc["SPY", "asset_type"] == "ETF"
    assert frame.loc["AAPL", "asset_type"] == "STOCK"
    assert frame.loc["AAPL", "underlying_symbol"] == "AAPL"
    option = frame.loc[OPTION]
    assert (option["asset_type"], option["underlying_symbol"], option["option_type"]) == (
        "OPTION", "AAPL", "C")
    assert option["strike"] == 260.0
    assert pd.Timestamp(option["expiry_date"]).date() == dt.date(2027, 6, 18)
    assert option["sector"] == frame.loc["AAPL", "sector"] == "Technology"
    assert frame["reference_error"].isna().all()
    assert set(frame["reference_source"]) == {"synthetic"}


def test_rerun_is_idempotent(warehouse, settings):
    add_positions(warehouse)
    load(warehouse, settings)
    first = prices(warehouse)
    securities = table(warehouse, "select count(*) as n from raw.securities")
    report = load(warehouse, settings)
    pd.testing.assert_frame_equal(first, prices(warehouse))
    assert report.rows == len(first)
    pd.testing.assert_frame_equal(securities,
                                  table(warehouse, "select count(*) as n from raw.securities"))


def test_later_as_of_extends_without_duplicates(warehouse, settings):
    load(warehouse, settings, symbols=["SPY"])
    load(warehouse, settings, symbols=["SPY"], as_of=dt.date(2026, 11, 24))
    stored = prices(warehouse)
    assert stored["price_date"].tolist() == sessions(START, dt.date(2026, 11, 24))
    trading = table(warehouse, "select session_date from raw.trading_days "
                               "where session_index = 0")
    assert trading["session_date"].iloc[0].date() == dt.date(2026, 11, 24)


def test_errors_are_recorded_per_symbol_and_do_not_block_others(warehouse, settings):
    add_positions(warehouse)
    load(warehouse, settings)
    msft_before = prices(warehouse).query("symbol == 'MSFT'")
    report = load(warehouse, settings, provider=FailingProvider({"MSFT"}))
    assert report.errors == {"MSFT": "429 rate limited"}
    assert "MSFT" not in report.symbols_loaded
    assert "AAPL" in report.symbols_loaded
    errors = table(warehouse, "select symbol, provider, error from raw.market_data_errors")
    assert errors.to_dict("records") == [
        {"symbol": "MSFT", "provider": "flaky", "error": "429 rate limited"}]
    # the failed symbol keeps its previous good rows
    pd.testing.assert_frame_equal(msft_before.reset_index(drop=True),
                                  prices(warehouse).query("symbol == 'MSFT'")
                                  .reset_index(drop=True))
    load(warehouse, settings)
    assert table(warehouse, "select count(*) as n from raw.market_data_errors")["n"][0] == 0


def test_invalid_and_expired_symbols_are_errors(warehouse, settings):
    report = load(warehouse, settings, symbols=["SPY", "bad sym", "AAPL240119C00150000"])
    assert set(report.errors) == {"bad sym", "AAPL240119C00150000"}
    assert report.symbols_loaded == ["AAPL", "SPY"]
    stored = table(warehouse, "select symbol from raw.market_data_errors order by symbol")
    assert stored["symbol"].tolist() == ["AAPL240119C00150000", "bad sym"]


def test_reference_failure_never_blocks_and_keeps_previous_values(warehouse, settings):
    load(warehouse, settings, symbols=["AAPL"])
    report = load(warehouse, settings, symbols=["AAPL", "ZQXV"],
                  reference_provider=BrokenReference())
    assert report.errors == {}
    assert set(report.reference_errors) == {"AAPL", "ZQXV"}
    frame = table(warehouse, "select * from raw.securities").set_index("symbol")
    assert frame.loc["AAPL", "sector"] == "Technology"      # kept from the first load
    assert pd.isna(frame.loc["ZQXV", "sector"])              # never known
    assert "yahoo unreachable" in frame.loc["ZQXV", "reference_error"]
    assert len(prices(warehouse).query("symbol == 'ZQXV'")) == len(sessions(START, AS_OF))


def test_as_of_from_settings_and_weekend_rolls_back(warehouse, settings):
    pinned = settings.model_copy(update={"as_of_date": dt.date(2026, 11, 22)})  # Sunday
    report = load_market_data(warehouse, pinned, symbols=["SPY"])
    assert report.as_of == dt.date(2026, 11, 20)


def test_make_price_provider():
    assert isinstance(make_price_provider(Settings(environment="test")), SyntheticProvider)
    provider = make_price_provider(Settings(environment="test", polygon_api_key="k"))
    assert isinstance(provider, PolygonProvider)
    provider.close()


@pytest.mark.parametrize("symbols", [[]])
def test_empty_symbol_list_still_writes_sessions(warehouse, settings, symbols):
    report = load(warehouse, settings, symbols=symbols)
    assert report.rows == 0
    assert table(warehouse, "select count(*) as n from raw.trading_days")["n"][0] == len(
        sessions(START, AS_OF))


def test_clean_bars_keeps_requested_sessions_once():
    day, saturday = dt.date(2026, 11, 20), dt.date(2026, 11, 21)
    raw = pd.DataFrame({
        "symbol": ["SPY", "SPY", "SPY", "XXX", "SPY"],
        "price_date": [day, day, saturday, day, dt.date(2026, 11, 19)],
        "open": 1.0, "high": 1.0, "low": 1.0,
        "close": [1.0, 2.0, 3.0, 4.0, None],
        "volume": 1.0, "vwap": 1.0, "trades": 1, "source": "test",
    })
    cleaned = clean_bars(raw, ["SPY"], dt.date(2026, 11, 16), dt.date(2026, 11, 24))
    # the duplicate keeps its last row; weekend, unrequested and close-less rows go
    assert cleaned[["symbol", "price_date", "close"]].to_dict("records") == [
        {"symbol": "SPY", "price_date": day, "close": 2.0}]
