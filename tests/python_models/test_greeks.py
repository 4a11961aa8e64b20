"""Greeks against mibian (the GPL reference, tests only), Hull, parity and finite differences."""

from __future__ import annotations

import itertools

import mibian
import numpy as np
import pandas as pd
import pytest

from python_models.black_scholes import bs_price
from python_models.conventions import FALLBACK_GREEKS
from python_models.greeks import bs_greeks, position_greeks

SPOTS = [20.0, 100.0, 400.0]
STRIKES_PER_SPOT = [0.3, 0.8, 1.0, 1.25, 3.0]  # deep ITM … deep OTM for calls
VOLS_PCT = [5.0, 20.0, 60.0, 150.0]
RATES_PCT = [0.0, 1.0, 4.5, 10.0]
DAYS = [1.0, 7.0, 30.0, 182.0, 730.0]


def _grid() -> pd.DataFrame:
    rows = []
    for spot, k, vol, rate, days in itertools.product(SPOTS, STRIKES_PER_SPOT, VOLS_PCT,
                                                      RATES_PCT, DAYS):
        strike = spot * k
        ref = mibian.BS([spot, strike, rate, days], volatility=vol)
        rows.append({
            "spot": spot, "strike": strike, "rate_pct": rate, "vol_pct": vol, "days": days,
            "call_price": ref.callPrice, "put_price": ref.putPrice,
            "call_delta": ref.callDelta, "put_delta": ref.putDelta,
            "call_theta": ref.callTheta, "put_theta": ref.putTheta,
            "call_rho": ref.callRho, "put_rho": ref.putRho,
            "vega": ref.vega, "gamma": ref.gamma,
        })
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def grid() -> pd.DataFrame:
    return _grid()


def _ours(grid: pd.DataFrame, is_call: bool) -> dict[str, np.ndarray]:
    # mibian units → ours: percent → decimal, days → years (days / 365)
    return bs_greeks(grid.spot, grid.strike, grid.days / 365.0, grid.rate_pct / 100.0,
                     grid.vol_pct / 100.0, is_call)


@pytest.mark.parametrize("is_call", [True, False])
def test_greeks_equal_mibian_on_grid(grid, is_call):
    ours = _ours(grid, is_call)
    side = "call" if is_call else "put"
    pairs = {"price": f"{side}_price", "delta": f"{side}_delta", "theta": f"{side}_theta",
             "rho": f"{side}_rho", "vega": "vega", "gamma": "gamma"}
    assert len(grid) == 1200
    for greek, column in pairs.items():
        ref = grid[column].to_numpy(float)
        # relative 1e-6; the absolute floor only matters where both are ~0 (deep OTM,
        # 1 day): values far below a millionth of a cent.
        np.testing.assert_allclose(ours[greek], ref, rtol=1e-6, atol=1e-12, err_msg=greek)


def test_grid_covers_deep_itm_otm_and_one_day(grid):
    calls = _ours(grid, True)
    assert (calls["delta"] > 0.999999).any()
    assert (calls["delta"] < 1e-6).any()
    assert (grid.days == 1).sum() == 240


def test_hull_example():
    """Hull, Options, Futures and Other Derivatives (S=42, K=40, r=10 %, σ=20 %, T=0.5)."""
    call = bs_greeks(42.0, 40.0, 0.5, 0.10, 0.20, True)
    put = bs_greeks(42.0, 40.0, 0.5, 0.10, 0.20, False)
    assert call["price"] == pytest.approx(4.7594, abs=5e-5)
    assert put["price"] == pytest.approx(0.8086, abs=5e-5)
    assert call["delta"] == pytest.approx(0.7791, abs=5e-5)
    assert bs_price(42.0, 40.0, 0.5, 0.10, 0.20, True) == pytest.approx(call["price"], rel=1e-14)


def test_put_call_parity_and_delta_parity(grid):
    t = grid.days / 365.0
    r = grid.rate_pct / 100.0
    call, put = _ours(grid, True), _ours(grid, False)
    parity = grid.spot - grid.strike * np.exp(-r * t)
    gap = np.abs(call["price"] - put["price"] - parity.to_numpy())
    assert (gap <= 1e-12 * grid.spot.to_numpy()).all()
    np.testing.assert_allclose(call["delta"] - put["delta"], 1.0, atol=1e-12)
    np.testing.assert_allclose(call["gamma"], put["gamma"], rtol=1e-14)
    np.testing.assert_allclose(call["vega"], put["vega"], rtol=1e-14)


@pytest.mark.parametrize("is_call", [True, False])
def test_greeks_match_central_differences(is_call):
    rng = np.random.default_rng(7)
    n = 500
    spot = rng.uniform(50, 150, n)
    strike = spot * rng.uniform(0.7, 1.3, n)
    t = rng.uniform(10, 400, n) / 365.0
    rate = rng.uniform(0.0, 0.08, n)
    vol = rng.uniform(0.1, 0.8, n)
    g = bs_greeks(spot, strike, t, rate, vol, is_call)

    def price(s=spot, v=vol, r=rate, tt=t):
        return bs_price(s, strike, tt, r, v, is_call)

    h = 2e-5 * spot
    delta = (price(s=spot + h) - price(s=spot - h)) / (2 * h)
    h2 = 1e-4 * spot
    gamma = (price(s=spot + h2) - 2 * price() + price(s=spot - h2)) / h2**2
    dv = 1e-5
    vega = (price(v=vol + dv) - price(v=vol - dv)) / (2 * dv) / 100.0  # per vol point
    dr = 1e-5
    rho = (price(r=rate + dr) - price(r=rate - dr)) / (2 * dr) / 100.0  # per rate point
    dt = 1e-6
    theta = -(price(tt=t + dt) - price(tt=t - dt)) / (2 * dt) / 365.0  # per calendar day
    np.testing.assert_allclose(g["delta"], delta, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(g["gamma"], gamma, rtol=1e-4, atol=1e-7)
    np.testing.assert_allclose(g["vega"], vega, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(g["rho"], rho, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(g["theta"], theta, rtol=1e-6, atol=1e-8)


def test_not_computable_gives_nan():
    g = bs_greeks([100, 100, np.nan, 100, 100], 100, [0.0, 0.1, 0.1, -0.01, 0.1], 0.05,
                  [0.2, 0.0, 0.2, 0.2, np.nan], True)
    for values in g.values():
        assert np.isnan(values).all()


def _positions() -> pd.DataFrame:
    return pd.DataFrame([
        # stock long / short
        {"asset_type": "STOCK", "position_type": "LONG", "option_type": None, "quantity": 100,
         "multiplier": 1, "spot": 50.0, "strike": np.nan, "days_to_expiry": np.nan,
         "volatility": np.nan, "rate": 0.045},
        {"asset_type": "ETF", "position_type": "SHORT", "option_type": None, "quantity": -40,
         "multiplier": 1, "spot": 400.0, "strike": np.nan, "days_to_expiry": np.nan,
         "volatility": np.nan, "rate": 0.045},
        # BS: long call, short put
        {"asset_type": "OPTION", "position_type": "LC", "option_type": "C", "quantity": 3,
         "multiplier": 100, "spot": 42.0, "strike": 40.0, "days_to_expiry": 30,
         "volatility": 0.25, "rate": 0.045},
        {"asset_type": "OPTION", "position_type": "SP", "option_type": "P", "quantity": -2,
         "multiplier": 100, "spot": 42.0, "strike": 40.0, "days_to_expiry": 30,
         "volatility": 0.25, "rate": 0.045},
        # fallback: expired / no vol / no price
        {"asset_type": "OPTION", "position_type": "SC", "option_type": "C", "quantity": -5,
         "multiplier": 100, "spot": 42.0, "strike": 40.0, "days_to_expiry": 0,
         "volatility": 0.25, "rate": 0.045},
        {"asset_type": "OPTION", "position_type": "LP", "option_type": "P", "quantity": 4,
         "multiplier": 100, "spot": 42.0, "strike": 40.0, "days_to_expiry": 30,
         "volatility": np.nan, "rate": 0.045},
        {"asset_type": "OPTION", "position_type": "SP", "option_type": "P", "quantity": -1,
         "multiplier": 100, "spot": np.nan, "strike": 40.0, "days_to_expiry": 30,
         "volatility": 0.25, "rate": 0.045},
    ])


def test_position_greeks_stock_bs_and_fallback():
    frame = _positions()
    out = position_greeks(frame)
    assert out.greeks_source.tolist() == ["stock", "stock", "black_scholes", "black_scholes",
                                          "fallback", "fallback", "fallback"]
    # stocks: delta = q, other Greeks 0, dollar delta = q · S = exposure
    assert out.delta.tolist()[:2] == [100, -40]
    assert (out.loc[:1, ["gamma", "theta", "vega", "rho"]].to_numpy() == 0).all()
    assert out.dollar_delta.tolist()[:2] == [5000.0, -16000.0]
    # BS: per contract (mibian) · q · m
    for i, (kind, q) in ((2, ("C", 3)), (3, ("P", -2))):
        ref = mibian.BS([42.0, 40.0, 4.5, 30], volatility=25)
        side = "call" if kind == "C" else "put"
        assert out.delta[i] == pytest.approx(getattr(ref, f"{side}Delta") * q * 100, rel=1e-9)
        assert out.theta[i] == pytest.approx(getattr(ref, f"{side}Theta") * q * 100, rel=1e-9)
        assert out.rho[i] == pytest.approx(getattr(ref, f"{side}Rho") * q * 100, rel=1e-9)
        assert out.gamma[i] == pytest.approx(ref.gamma * q * 100, rel=1e-9)
        assert out.vega[i] == pytest.approx(ref.vega * q * 100, rel=1e-9)
        assert out.dollar_delta[i] == pytest.approx(out.delta[i] * 42.0, rel=1e-15)
    # fallback: table · |q| · m (signs already in the table), rho NULL
    for i, ptype, q in ((4, "SC", -5), (5, "LP", 4), (6, "SP", -1)):
        for greek, value in FALLBACK_GREEKS[ptype].items():
            assert out[greek][i] == pytest.approx(value * abs(q) * 100)
        assert np.isnan(out.rho[i])
    assert out.dollar_delta[4] == pytest.approx(-0.4 * 500 * 42.0)
    assert np.isnan(out.dollar_delta[6])  # no price → no dollar delta
