"""Scenario Greeks and P&L grids against mibian, a plain loop, finite differences and Taylor."""

from __future__ import annotations

import math

import mibian
import numpy as np
import pandas as pd
import pytest

from python_models.scenarios import Scenario, book_greeks, pnl_grid, scenario_greeks

RATE = 0.045
# (symbol, asset type, position type, C|P, q, S, K, days, σ, mark p)
ROWS = [
    ("AAPL", "STOCK", "LONG", None, 1500.0, 190.0, None, None, 0.25, 190.0),
    ("TSLA", "STOCK", "SHORT", None, -400.0, 240.0, None, None, 0.55, 240.0),
    ("SPY", "ETF", "LONG", None, 2.5, 470.0, None, None, 0.13, 470.0),  # fractional shares
    ("AAPL C200", "OPTION", "LC", "C", 10.0, 190.0, 200.0, 45.0, 0.25, 4.10),
    ("AAPL P180", "OPTION", "LP", "P", 5.0, 190.0, 180.0, 45.0, 0.25, 3.20),
    ("TSLA C260", "OPTION", "SC", "C", -8.0, 240.0, 260.0, 120.0, 0.55, 21.5),
    ("TSLA P200", "OPTION", "SP", "P", -3.0, 240.0, 200.0, 12.0, 0.55, 1.9),
    ("SPY P450", "OPTION", "LP", "P", 20.0, 470.0, 450.0, 300.0, 0.13, 9.0),
]


def make_book(rows=ROWS) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["symbol", "asset_type", "position_type", "option_type",
                                        "quantity", "spot", "strike", "days_to_expiry",
                                        "volatility", "price"])
    frame["multiplier"] = np.where(frame["asset_type"] == "OPTION", 100.0, 1.0)
    frame["rate"] = RATE
    frame["exposure"] = frame["quantity"] * frame["price"] * frame["multiplier"]
    return frame


def mibian_price(row, spot, vol, rate, days) -> float:
    """Reference option price (mibian: rate and vol in percent, time in days)."""
    if days <= 0:
        intrinsic = spot - row["strike"] if row["option_type"] == "C" else row["strike"] - spot
        return max(intrinsic, 0.0)
    ref = mibian.BS([spot, row["strike"], rate * 100, days], volatility=vol * 100)
    return ref.callPrice if row["option_type"] == "C" else ref.putPrice


def loop_pnl(book, spot_pct, vol_pts, rate=RATE, days_forward=0.0) -> float:
    """Full-revaluation P&L, one position at a time with mibian."""
    total = 0.0
    for _, row in book.iterrows():
        spot = row["spot"] * (1 + spot_pct / 100)
        if row["asset_type"] != "OPTION":
            total += row["quantity"] * (spot - row["spot"])
            continue
        before = mibian_price(row, row["spot"], row["volatility"], RATE, row["days_to_expiry"])
        after = mibian_price(row, spot, max(row["volatility"] + vol_pts / 100, 1e-4), rate,
                             row["days_to_expiry"] - days_forward)
        total += row["quantity"] * 100 * (after - before)
    return total


def test_zero_shift_is_the_book_value():
    book = make_book()
    grid = pnl_grid(book, [-10.0, 0.0, 10.0], [-5.0, 0.0, 5.0])
    by_hand = sum(q * p * (100 if kind == "OPTION" else 1)
                  for _, kind, _, _, q, _, _, _, _, p in ROWS)
    assert grid.book_value == pytest.approx(by_hand, rel=1e-15)
    zero = grid.cells.query("spot_shift_pct == 0 and vol_shift_pts == 0").iloc[0]
    assert zero["pnl_full"] == 0.0
    assert zero["pnl_delta_gamma"] == 0.0
    assert zero["value_full"] == grid.book_value
    assert grid.n_revalued == len(ROWS)


def test_grid_is_spot_major_and_complete():
    cells = pnl_grid(make_book(), [-20.0, 0.0, 20.0], [-10.0, 10.0]).cells
    assert list(cells["spot_shift_pct"]) == [-20, -20, 0, 0, 20, 20]
    assert list(cells["vol_shift_pts"]) == [-10, 10] * 3
    np.testing.assert_allclose(cells["approximation_error"],
                               cells["pnl_delta_gamma"] - cells["pnl_full"], rtol=0, atol=0)


@pytest.mark.parametrize(("rate", "days_forward"), [(None, 0.0), (0.06, 10.0)])
def test_full_revaluation_equals_a_mibian_loop(rate, days_forward):
    book = make_book()
    spots, vols = [-20.0, -5.0, 0.0, 7.5, 20.0], [-10.0, 0.0, 10.0]
    cells = pnl_grid(book, spots, vols, rate=rate, days_forward=days_forward).cells
    for _, cell in cells.iterrows():
        expected = loop_pnl(book, cell["spot_shift_pct"], cell["vol_shift_pts"],
                            RATE if rate is None else rate, days_forward)
        assert cell["pnl_full"] == pytest.approx(expected, rel=1e-6, abs=1e-6)


def test_delta_gamma_error_shrinks_like_h_cubed():
    """Pure spot shifts: the error of Δ dS + ½ Γ dS² is the third-order term, O(h³)."""
    book = make_book()
    steps = np.array([0.8, 0.4, 0.2, 0.1])  # percent
    cells = pnl_grid(book, steps, [0.0]).cells
    error = np.abs(cells["approximation_error"].to_numpy())
    orders = np.log2(error[:-1] / error[1:])
    np.testing.assert_allclose(orders, 3.0, atol=0.05)
    # and the approximation is genuinely second order: without gamma it is O(h²)
    first_order = np.abs(cells["pnl_full"].to_numpy() - book_dollar_delta(book) * steps / 100)
    np.testing.assert_allclose(np.log2(first_order[:-1] / first_order[1:]), 2.0, atol=0.05)


def book_dollar_delta(book) -> float:
    greeks = scenario_greeks(book, Scenario())
    return float((greeks["delta"] * book["spot"]).sum())


def test_vol_shift_error_is_second_order():
    """Vega is the only vol term, so the error of a pure vol shift is O(v²)."""
    steps = np.array([0.8, 0.4, 0.2, 0.1])  # vol points
    cells = pnl_grid(make_book(), [0.0], steps).cells
    error = np.abs(cells["approximation_error"].to_numpy())
    np.testing.assert_allclose(np.log2(error[:-1] / error[1:]), 2.0, atol=0.05)


SCENARIOS = [Scenario(), Scenario(-12.0, 7.0, 0.03, 10.0), Scenario(15.0, -8.0, None, 3.0)]


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_scenario_greeks_equal_mibian(scenario):
    book = make_book()
    greeks = scenario_greeks(book, scenario)
    rate = RATE if scenario.rate is None else scenario.rate
    for index, row in book[book["asset_type"] == "OPTION"].iterrows():
        spot = row["spot"] * (1 + scenario.spot_shift_pct / 100)
        vol = row["volatility"] + scenario.vol_shift_pts / 100
        days = row["days_to_expiry"] - scenario.days_forward
        ref = mibian.BS([spot, row["strike"], rate * 100, days], volatility=vol * 100)
        call = row["option_type"] == "C"
        expected = {"delta": ref.callDelta if call else ref.putDelta, "gamma": ref.gamma,
                    "theta": ref.callTheta if call else ref.putTheta, "vega": ref.vega,
                    "rho": ref.callRho if call else ref.putRho}
        for name, value in expected.items():
            assert greeks.at[index, f"contract_{name}"] == pytest.approx(value, rel=1e-6), name
            assert greeks.at[index, name] == pytest.approx(
                value * row["quantity"] * 100, rel=1e-6), name
        assert greeks.at[index, "spot"] == pytest.approx(spot, rel=1e-15)
    stocks = book["asset_type"] != "OPTION"
    np.testing.assert_array_equal(greeks.loc[stocks, "delta"], book.loc[stocks, "quantity"])


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_book_greeks_are_derivatives_of_full_revaluation(scenario):
    """Central differences of the revalued book value around the scenario."""
    book = make_book()
    totals = book_greeks(scenario_greeks(book, scenario))
    greeks = scenario_greeks(book, scenario)
    s, v, r, d = (scenario.spot_shift_pct, scenario.vol_shift_pts, scenario.rate,
                  scenario.days_forward)
    rate = RATE if r is None else r

    def value(ds=0.0, dv=0.0, dr=0.0, dd=0.0) -> float:
        rate_arg = None if (r is None and dr == 0) else rate + dr
        cells = pnl_grid(book, [s + ds], [v + dv], rate=rate_arg, days_forward=d + dd).cells
        return float(cells["value_full"].iloc[0])

    h = 1e-3  # percent of spot
    # dV/d(s %) = Σ Δ_i S_i / 100 (S_i the base close); d²V/d(s %)² = Σ Γ_i S_i² / 100²
    dollar_delta = float((greeks["delta"] * book["spot"]).sum()) / 100
    assert (value(ds=h) - value(ds=-h)) / (2 * h) == pytest.approx(dollar_delta, rel=1e-6)
    h2 = 0.05
    gamma = float((greeks["gamma"] * book["spot"] ** 2).sum()) / 100**2
    second = (value(ds=h2) - 2 * value() + value(ds=-h2)) / h2**2
    assert second == pytest.approx(gamma, rel=1e-4)
    assert (value(dv=1e-3) - value(dv=-1e-3)) / 2e-3 == pytest.approx(totals["vega"], rel=1e-6)
    assert (value(dd=1e-3) - value(dd=-1e-3)) / 2e-3 == pytest.approx(totals["theta"], rel=1e-5)
    rho = (value(dr=1e-6) - value(dr=-1e-6)) / 2e-6 / 100
    assert rho == pytest.approx(totals["rho"], rel=1e-5)
    assert totals["dollar_delta"] == pytest.approx(float((greeks["delta"] * greeks["spot"]).sum()),
                                                   rel=1e-15)


def test_book_greeks_count_missing_values():
    book = make_book()
    book.loc[3, "volatility"] = np.nan  # fallback Greeks: rho is NULL
    totals = book_greeks(scenario_greeks(book, Scenario()))
    assert totals["n_missing_rho"] == 1
    assert totals["n_missing_delta"] == 0
    greeks = scenario_greeks(book, Scenario())
    assert totals["rho"] == pytest.approx(greeks["rho"].drop(index=3).sum(), rel=1e-15)
    assert greeks.at[3, "greeks_source"] == "fallback"
    assert greeks.at[3, "delta"] == pytest.approx(0.6 * 10 * 100)


def test_positions_without_bs_inputs_are_held_at_their_mark():
    book = make_book()
    book.loc[4, "volatility"] = np.nan
    full = make_book()
    grid = pnl_grid(book, [-10.0, 10.0], [0.0])
    assert list(grid.not_revalued) == [4]
    assert grid.n_revalued == len(ROWS) - 1
    reference = pnl_grid(full.drop(index=4), [-10.0, 10.0], [0.0]).cells
    np.testing.assert_allclose(grid.cells["pnl_full"], reference["pnl_full"], rtol=1e-15)
    np.testing.assert_allclose(grid.cells["value_full"],
                               full["exposure"].sum() + reference["pnl_full"], rtol=1e-15)


def test_vol_shifted_below_zero_prices_at_the_sigma_zero_limit():
    book = make_book([ROWS[3], ROWS[6]])  # an OTM call and an OTM put
    cells = pnl_grid(book, [25.0, -25.0], [-100.0]).cells
    for cell, spot_pct in zip(cells.itertuples(), [25.0, -25.0], strict=True):
        expected = 0.0
        for _, row in book.iterrows():
            spot, t = row["spot"] * (1 + spot_pct / 100), row["days_to_expiry"] / 365
            forward_strike = row["strike"] * math.exp(-RATE * t)
            limit = max(spot - forward_strike if row["option_type"] == "C"
                        else forward_strike - spot, 0.0)
            before = mibian_price(row, row["spot"], row["volatility"], RATE,
                                  row["days_to_expiry"])
            expected += row["quantity"] * 100 * (limit - before)
        assert cell.pnl_full == pytest.approx(expected, rel=1e-9)


def test_options_expiring_before_the_valuation_date_are_worth_intrinsic():
    book = make_book([ROWS[6]])  # 12 days to expiry
    cells = pnl_grid(book, [-30.0], [0.0], days_forward=12.0).cells
    row = book.iloc[0]
    before = mibian_price(row, row["spot"], row["volatility"], RATE, row["days_to_expiry"])
    intrinsic = max(row["strike"] - row["spot"] * 0.7, 0.0)
    assert cells["pnl_full"].iloc[0] == pytest.approx(-3 * 100 * (intrinsic - before), rel=1e-9)
    greeks = scenario_greeks(book, Scenario(days_forward=12.0))
    assert greeks["greeks_source"].iloc[0] == "fallback"
