"""Synthetic market data: determinism, realistic statistics, Black–Scholes options.

Statistics are checked against the model parameters with tolerances of four
standard errors of the estimator over ~3,000 daily returns; option prices against
a scalar Black–Scholes written here with ``math.erf``.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

from ingest.providers import BAR_COLUMNS, PriceProvider, ReferenceProvider
from ingest.synthetic import SyntheticProvider
from ingest.synthetic_master import ANCHOR, FACTOR_VOLS

RATE = 0.045
LONG_START, LONG_END = dt.date(2015, 1, 2), dt.date(2026, 11, 20)


@pytest.fixture(scope="module")
def provider() -> SyntheticProvider:
    return SyntheticProvider(RATE)


@pytest.fixture(scope="module")
def long_history(provider) -> pd.DataFrame:
    """Log returns 2015–2026 of factor ETFs and a few tickers (columns = symbols)."""
    symbols = ["SPY", "SPLV", "IWM", "MTUM", "AAPL", "ZQXV", "KLMN"]
    bars = provider.daily_bars(symbols, LONG_START, LONG_END).bars
    closes = bars.pivot(index="price_date", columns="symbol", values="close")
    return np.log(closes).diff().dropna()


def closes(provider, symbols, start, end) -> pd.Series:
    bars = provider.daily_bars(symbols, start, end).bars
    return bars.set_index(["symbol", "price_date"])["close"]


def test_implements_both_protocols(provider):
    assert isinstance(provider, PriceProvider)
    assert isinstance(provider, ReferenceProvider)


def test_close_does_not_depend_on_the_requested_range_or_symbol_set(provider):
    narrow = closes(provider, ["AAPL"], dt.date(2026, 3, 2), dt.date(2026, 3, 31))
    wide = closes(SyntheticProvider(RATE), ["ZZZ", "AAPL", "SPY"], dt.date(2024, 1, 1),
                  dt.date(2026, 12, 31))
    assert len(narrow) == 22  # March 2026 sessions
    pd.testing.assert_series_equal(narrow, wide.loc[narrow.index])


def test_seed_changes_the_path():
    day = dt.date(2026, 6, 1)
    a = closes(SyntheticProvider(RATE, seed=7), ["ZQXV"], day, day)
    b = closes(SyntheticProvider(RATE, seed=8), ["ZQXV"], day, day)
    assert a.iloc[0] != b.iloc[0]


def test_bar_frame_shape_and_types(provider):
    result = provider.daily_bars(["AAPL", "SPY"], dt.date(2026, 11, 16), dt.date(2026, 11, 20))
    bars = result.bars
    assert tuple(bars.columns) == BAR_COLUMNS
    assert result.errors == {}
    assert len(bars) == 10
    assert all(isinstance(day, dt.date) for day in bars["price_date"])
    assert set(bars["source"]) == {"synthetic"}


def test_close_on_the_anchor_is_the_level(provider):
    # the table's level for AAPL is $245.00 on the anchor session
    assert closes(provider, ["AAPL"], ANCHOR, ANCHOR).iloc[0] == pytest.approx(245.0, rel=1e-12)


def test_ohlc_consistency(provider):
    symbols = ["AAPL", "ZQXV", "SPY", "AAPL270618C00260000", "MSFT270618P00270000"]
    bars = provider.daily_bars(symbols, dt.date(2025, 6, 1), dt.date(2026, 11, 20)).bars
    assert (bars["low"] <= bars[["open", "close"]].min(axis=1) + 1e-12).all()
    assert (bars["high"] >= bars[["open", "close"]].max(axis=1) - 1e-12).all()
    assert bars["vwap"].between(bars["low"] - 1e-12, bars["high"] + 1e-12).all()
    assert (bars["volume"] > 0).all()
    assert (bars["trades"] > 0).all()


def test_realised_vol_matches_model_vol(provider, long_history):
    n = len(long_history)
    for symbol in long_history.columns:
        model_vol = provider.model(symbol).vol
        realised = long_history[symbol].std() * math.sqrt(252)
        standard_error = model_vol / math.sqrt(2 * n)
        assert abs(realised - model_vol) < 4 * standard_error, symbol


def test_stock_vols_are_realistic(provider):
    vols = [provider.model(f"V{a}{b}").vol for a in "ABCDEFGH" for b in "KLMNOPQR"]
    assert min(vols) >= 0.20
    assert max(vols) <= 0.60 + 1e-12
    assert FACTOR_VOLS[0] == pytest.approx(0.16)


def test_realised_beta_vs_spy_matches_model(provider, long_history):
    spy = long_history["SPY"].to_numpy()
    spy_model = provider.model("SPY")
    # Cov(r_s, r_SPY) / Var(r_SPY) under the model: styles are independent of the market
    shrink = FACTOR_VOLS[0] ** 2 / (FACTOR_VOLS[0] ** 2 + spy_model.idio_vol ** 2)
    for symbol in long_history.columns.drop("SPY"):
        y = long_history[symbol].to_numpy()
        slope, intercept = np.polyfit(spy, y, 1)
        residual = y - (slope * spy + intercept)
        standard_error = residual.std(ddof=2) / (spy.std() * math.sqrt(len(y)))
        expected = provider.model(symbol).beta * shrink
        assert abs(slope - expected) < 4 * standard_error, symbol


def test_factor_etf_characteristics(long_history):
    spy = long_history["SPY"]
    beta = {s: long_history[s].cov(spy) / spy.var() for s in ("SPLV", "IWM", "MTUM")}
    assert 0.55 < beta["SPLV"] < 0.75
    assert beta["IWM"] > 1.0
    assert long_history["SPY"].std() * math.sqrt(252) == pytest.approx(0.16, abs=0.01)


def test_seeded_reference_data_ranges(provider):
    frame = provider.reference_data([f"Q{c}{d}" for c in "ABCDEFGHIJ" for d in "KLMNO"]).frame
    assert frame["short_interest"].between(0.005, 0.25).all()
    assert frame["sector"].notna().all()
    assert frame["industry"].notna().all()
    assert set(frame["reference_source"]) == {"synthetic"}
    levels = [provider.model(s).level for s in frame["symbol"]]
    assert min(levels) >= 10
    assert max(levels) <= 600


def test_known_ticker_and_option_reference(provider):
    result = provider.reference_data(["AAPL", "AAPL270618C00260000", "bad!"])
    frame = result.frame.set_index("symbol")
    assert frame.loc["AAPL", "sector"] == "Technology"
    assert frame.loc["AAPL270618C00260000", "sector"] == "Technology"
    assert frame.loc["AAPL270618C00260000", "short_interest"] == frame.loc[
        "AAPL", "short_interest"]
    assert list(result.errors) == ["bad!"]


def scalar_black_scholes(spot, strike, t, rate, vol, is_call):
    """Textbook Black–Scholes with math.erf (independent of the vectorised code)."""
    if t <= 0:
        return max(spot - strike, 0.0) if is_call else max(strike - spot, 0.0)
    d1 = (math.log(spot / strike) + (rate + vol * vol / 2) * t) / (vol * math.sqrt(t))
    d2 = d1 - vol * math.sqrt(t)
    cdf = lambda x: 0.5 * (1 + math.erf(x / math.sqrt(2)))  # noqa: E731
    if is_call:
        return spot * cdf(d1) - strike * math.exp(-rate * t) * cdf(d2)
    return strike * math.exp(-rate * t) * cdf(-d2) - spot * cdf(-d1)


@pytest.mark.parametrize(("symbol", "strike", "expiry", "is_call"), [
    ("AAPL270618C00260000", 260.0, dt.date(2027, 6, 18), True),
    ("AAPL270618P00200000", 200.0, dt.date(2027, 6, 18), False),
])
def test_option_close_is_black_scholes_of_the_underlying(provider, symbol, strike, expiry,
                                                         is_call):
    start, end = dt.date(2026, 10, 1), dt.date(2026, 11, 20)
    prices = closes(provider, ["AAPL", symbol], start, end)
    vol = provider.model("AAPL").vol
    options = prices.loc[symbol]
    assert len(options) == len(prices.loc["AAPL"])
    for day, price in options.items():
        t = (expiry - day).days / 365
        expected = scalar_black_scholes(prices.loc[("AAPL", day)], strike, t, RATE, vol, is_call)
        assert price == pytest.approx(expected, rel=1e-10, abs=1e-10)


def test_put_call_parity(provider):
    day = dt.date(2026, 11, 20)
    prices = closes(provider, ["NVDA271217C00175000", "NVDA271217P00175000", "NVDA"], day, day)
    t = (dt.date(2027, 12, 17) - day).days / 365
    call, put, spot = (prices.loc[(s, day)] for s in (
        "NVDA271217C00175000", "NVDA271217P00175000", "NVDA"))
    assert call - put == pytest.approx(spot - 175.0 * math.exp(-RATE * t), abs=1e-9)


def test_option_rows_stop_at_expiry_with_intrinsic_value(provider):
    symbol = "MSFT260320C00300000"
    prices = closes(provider, [symbol, "MSFT"], dt.date(2026, 3, 1), dt.date(2026, 6, 30))
    option = prices.loc[symbol]
    assert option.index.max() == dt.date(2026, 3, 20)
    assert option.iloc[-1] == pytest.approx(max(prices.loc[("MSFT", dt.date(2026, 3, 20))]
                                                - 300.0, 0.0), abs=1e-12)


def test_expiry_on_a_holiday_stops_at_the_session_before(provider):
    prices = closes(provider, ["MSFT260403P00300000"], dt.date(2026, 3, 1),
                    dt.date(2026, 4, 30))  # 2026-04-03 is Good Friday
    assert prices.index.get_level_values("price_date").max() == dt.date(2026, 4, 2)


def test_expired_and_invalid_symbols_are_errors_and_do_not_block_others(provider):
    result = provider.daily_bars(["AAPL240119C00150000", "not a symbol", "AAPL"],
                                 dt.date(2026, 11, 2), dt.date(2026, 11, 20))
    assert set(result.errors) == {"AAPL240119C00150000", "not a symbol"}
    assert "expired" in result.errors["AAPL240119C00150000"]
    assert set(result.bars["symbol"]) == {"AAPL"}
    assert len(result.bars) == 15
