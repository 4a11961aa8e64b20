"""Stress engine: conditional factor moves, full BS revaluation (mibian), invariants."""

from __future__ import annotations

import mibian
import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from python_models.factor_model import factor_covariance, multi_factor_exposures
from python_models.stress import (
    aggregate_stress,
    implied_factor_moves,
    portfolio_stress_matrix,
    stress_positions,
)
from tests.python_models.factor_fixtures import FACTORS, factor_returns, security_returns

RATE = 0.045


@pytest.fixture(scope="module")
def model():
    f = factor_returns()
    sec = pd.concat([security_returns(f), f[["SPY"]]], axis=1)
    loadings, _ = multi_factor_exposures(sec, f)
    return f, loadings, factor_covariance(f).cov


def position(pid, pos_id, symbol, qty, spot, *, underlying=None, option_type=None,
             strike=np.nan, days=np.nan, vol=np.nan, dae=None):
    is_option = option_type is not None
    return {"position_id": pos_id, "portfolio_id": pid, "symbol": symbol,
            "underlying_symbol": underlying or symbol,
            "asset_type": "OPTION" if is_option else "STOCK", "option_type": option_type,
            "quantity": float(qty), "multiplier": 100.0 if is_option else 1.0,
            "spot": spot, "strike": strike, "t_years": days / 365.0, "volatility": vol,
            "rate": RATE,
            "delta_adjusted_exposure": dae if dae is not None else (
                np.nan if is_option else qty * spot)}


def book() -> pd.DataFrame:
    return pd.DataFrame([
        position(1, 1, "SPY", 1000, 500.0),                                   # SPY alone
        position(2, 2, "SPY_C", 10, 500.0, underlying="SPY", option_type="C",
                 strike=510.0, days=45, vol=0.18),
        position(2, 3, "SPY_P", -7, 500.0, underlying="SPY", option_type="P",
                 strike=480.0, days=45, vol=0.18),
        position(3, 4, "S0", 2000, 50.0), position(3, 5, "S0", -2000, 50.0),  # long = short
        position(4, 6, "S1", 3000, 20.0), position(4, 7, "S3", 100, 10.0),    # S3: no model
        position(4, 8, "S0_C", 5, 50.0, underlying="S0", option_type="C", strike=55.0,
                 days=30, vol=np.nan, dae=0.6 * 5 * 100 * 50.0),             # no vol: fallback
        position(4, 9, "S0_P0", -4, 50.0, underlying="S0", option_type="P", strike=52.0,
                 days=0, vol=np.nan),                                         # expires today
    ])


def one(moves: dict[str, float], vol_shift: float = 0.0, name: str = "s"):
    frame = pd.DataFrame([{f: moves.get(f, 0.0) for f in FACTORS}],
                         index=pd.Index([name], name="scenario"))
    return frame, pd.Series([vol_shift], index=frame.index)


def mibian_price(spot, strike, days, vol, call):
    ref = mibian.BS([spot, strike, RATE * 100, days], volatility=vol * 100)
    return ref.callPrice if call else ref.putPrice


def test_implied_moves_are_the_regression_of_free_on_shocked_factors(model):
    f, _, cov = model
    moves = implied_factor_moves({"SPY": -0.10, "VUG": -0.15}, cov)
    assert moves["SPY"] == -0.10
    assert moves["VUG"] == -0.15
    window = f.iloc[-60:].dropna()
    centred = window - window.mean()
    for free in ("MTUM", "VTV", "QUAL", "IWM", "SPLV"):
        fit = sm.OLS(centred[free].to_numpy(), centred[["SPY", "VUG"]].to_numpy()).fit()
        assert moves[free] == pytest.approx(fit.params @ [-0.10, -0.15], rel=1e-9)
    assert (implied_factor_moves({}, cov) == 0.0).all()
    everything = {k: 0.01 * i for i, k in enumerate(FACTORS)}
    assert implied_factor_moves(everything, cov).to_dict() == everything
    with pytest.raises(ValueError, match="QQQ"):
        implied_factor_moves({"QQQ": -0.1}, cov)


def test_all_zero_shocks_give_zero_pnl(model):
    _, loadings, _ = model
    moves, shift = one({})
    out = stress_positions(book(), loadings, moves, shift)
    computed = out[out["method"] != "not_computable"]
    assert (computed["pnl"] == 0.0).all()
    assert len(computed) == 8


def test_spy_minus_ten_percent_on_spy_alone_loses_exactly_ten_percent(model):
    _, loadings, cov = model
    moves = implied_factor_moves({"SPY": -0.10}, cov).to_frame("spy_down").T
    out = stress_positions(book(), loadings, moves, pd.Series({"spy_down": 0.0}))
    spy = out[out["position_id"] == 1].iloc[0]
    assert spy["underlying_return"] == -0.10
    assert spy["pnl"] == -0.10 * 1000 * 500.0
    totals = aggregate_stress(out, book().assign(sector="ETF"), pd.DataFrame(
        columns=["position_id", "tag_name"]), pd.Series({1: 500_000.0}))
    total = totals[(totals["portfolio_id"] == 1) & (totals["level"] == "total")].iloc[0]
    assert total["pnl_fraction"] == pytest.approx(-0.10, rel=1e-15)


@pytest.mark.parametrize("vol_shift", [0.0, 0.10, -0.05])
def test_spy_options_are_revalued_by_black_scholes(model, vol_shift):
    _, loadings, _ = model
    moves, shift = one({"SPY": -0.10}, vol_shift)
    out = stress_positions(book(), loadings, moves, shift).set_index("position_id")
    call = (mibian_price(450.0, 510.0, 45, 0.18 + vol_shift, True)
            - mibian_price(500.0, 510.0, 45, 0.18, True)) * 10 * 100
    put = (mibian_price(450.0, 480.0, 45, 0.18 + vol_shift, False)
           - mibian_price(500.0, 480.0, 45, 0.18, False)) * -7 * 100
    assert out.loc[2, "pnl"] == pytest.approx(call, rel=1e-6)
    assert out.loc[3, "pnl"] == pytest.approx(put, rel=1e-6)
    assert out.loc[2, "method"] == "black_scholes"
    # full revaluation, not delta: the call loses less than its delta says (convexity)
    delta = mibian.BS([500.0, 510.0, RATE * 100, 45], volatility=18).callDelta
    if vol_shift == 0.0:
        assert out.loc[2, "pnl"] > delta * 10 * 100 * -50.0


def test_vol_shifted_below_zero_prices_at_the_zero_vol_limit(model):
    """sigma + vol_shift <= 0: the option is worth its sigma -> 0+ limit, the discounted
    forward intrinsic max(S' - K e^{-rT}, 0) for the call (out of the money after -10 %:
    0) and max(K e^{-rT} - S', 0) for the put."""
    _, loadings, _ = model
    moves, shift = one({"SPY": -0.10}, -0.50)
    out = stress_positions(book(), loadings, moves, shift).set_index("position_id")
    t = 45 / 365.0
    spot = 500.0 * (1 + out.loc[1, "underlying_return"])
    call_floor = max(spot - 510.0 * np.exp(-RATE * t), 0.0)
    put_floor = max(480.0 * np.exp(-RATE * t) - spot, 0.0)
    assert out.loc[2, "pnl"] == pytest.approx(
        (call_floor - mibian_price(500.0, 510.0, 45, 0.18, True)) * 10 * 100, rel=1e-6)
    assert out.loc[3, "pnl"] == pytest.approx(
        (put_floor - mibian_price(500.0, 480.0, 45, 0.18, False)) * -7 * 100, rel=1e-6)


def test_long_and_equal_short_net_to_zero_and_linear_stocks(model):
    _, loadings, _ = model
    moves, shift = one({"SPY": -0.07, "MTUM": 0.03, "IWM": -0.02})
    out = stress_positions(book(), loadings, moves, shift).set_index("position_id")
    assert out.loc[4, "pnl"] + out.loc[5, "pnl"] == 0.0
    assert out.loc[4, "pnl"] != 0.0
    r = sum(loadings.loc["S1", k] * moves.iloc[0][k] for k in FACTORS)  # plain loop
    assert out.loc[6, "pnl"] == pytest.approx(3000 * 20.0 * r, rel=1e-12)
    assert out.loc[6, "method"] == "linear"


def test_fallbacks_intrinsic_and_exclusions(model):
    _, loadings, _ = model
    moves, shift = one({"SPY": -0.10}, 0.2)
    out = stress_positions(book(), loadings, moves, shift).set_index("position_id")
    r_s0 = out.loc[4, "underlying_return"]
    assert out.loc[7, "method"] == "not_computable"
    assert np.isnan(out.loc[7, "pnl"])
    assert out.loc[8, "method"] == "delta_fallback"
    assert out.loc[8, "pnl"] == pytest.approx(0.6 * 5 * 100 * 50.0 * r_s0, rel=1e-12)
    # expiring today: intrinsic value before and after, whatever the vol
    intrinsic = max(52.0 - 50.0 * (1 + r_s0), 0.0) - max(52.0 - 50.0, 0.0)
    assert out.loc[9, "method"] == "black_scholes"
    assert out.loc[9, "pnl"] == pytest.approx(-4 * 100 * intrinsic, rel=1e-12)


def test_aggregates_by_sector_and_tag_and_the_sparse_matrix_agree(model):
    _, loadings, cov = model
    moves = pd.DataFrame([implied_factor_moves({"SPY": -0.1}, cov),
                          implied_factor_moves({"MTUM": -0.05, "VTV": 0.02}, cov)],
                         index=pd.Index(["a", "b"], name="scenario"))
    shift = pd.Series({"a": 0.1, "b": 0.0})
    positions = book()
    positions["sector"] = [None, "ETF", "ETF", "Tech", "Tech", "Tech", None, "Tech", "Tech"]
    tags = pd.DataFrame({"position_id": [6, 6, 8], "tag_name": ["core", "beta", "core"]})
    out = stress_positions(positions, loadings, moves, shift)
    agg = aggregate_stress(out, positions, tags, pd.Series({1: 1e6, 2: 1e6, 3: 1e6, 4: 1e6}))
    matrix, counts = portfolio_stress_matrix(positions, loadings, moves.to_numpy(),
                                             shift.to_numpy())
    for (scenario, pid), group in out.groupby(["scenario", "portfolio_id"]):
        rows = agg[(agg["scenario"] == scenario) & (agg["portfolio_id"] == pid)]
        total = rows[rows["level"] == "total"].iloc[0]
        assert total["pnl"] == pytest.approx(group["pnl"].sum(), rel=1e-12)
        assert total["n_excluded"] == group["pnl"].isna().sum()
        sectors = rows[rows["level"] == "sector"]
        assert sectors["pnl"].sum() == pytest.approx(total["pnl"], rel=1e-12)
        col = list(counts["portfolio_id"]).index(pid)
        assert matrix[list(moves.index).index(scenario), col] == pytest.approx(
            total["pnl"], rel=1e-12)
    p4 = agg[(agg["scenario"] == "a") & (agg["portfolio_id"] == 4)].set_index(
        ["level", "group_name"])
    by_position = out[out["scenario"] == "a"].set_index("position_id")["pnl"]
    assert p4.loc[("tag", "core"), "pnl"] == pytest.approx(by_position[[6, 8]].sum())
    assert p4.loc[("tag", "beta"), "pnl"] == pytest.approx(by_position[6])
    assert p4.loc[("tag", "untagged"), "n_excluded"] == 1           # position 7
    assert p4.loc[("sector", "Unknown"), "n_positions"] == 1        # never dropped
    assert counts.set_index("portfolio_id").loc[4, "n_excluded"] == 1
