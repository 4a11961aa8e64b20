"""The risk step's computation, pure: frames in, frames out, no database.

The seeded world of :mod:`tests.utils.risk_world` goes straight into
:func:`python_models.risk_step.compute_risk`; every number it returns is recomputed
independently (statsmodels, mibian, empyrical, plain numpy).
"""

from __future__ import annotations

import empyrical
import mibian
import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from python_models.risk_step import compute_risk
from tests.utils.risk_world import risk_inputs, synthetic_world


@pytest.fixture(scope="module")
def world():
    world = synthetic_world()
    world["outputs"] = compute_risk(risk_inputs(world), world["as_of"], 0.045)
    return world


def table(world, name: str) -> pd.DataFrame:
    return world["outputs"][name].reset_index(drop=True)


def _returns(world) -> pd.DataFrame:
    p = world["prices"]
    return p / p.shift(1) - 1  # NaN around missing closes: no bridging


def test_stored_betas_equal_statsmodels(world):
    betas = table(world, "factor_betas")
    rets = _returns(world).iloc[-60:]
    assert set(betas.symbol) == {"AAA", "BBB", "CCC", "SPY"}
    assert len(betas) == 4 * 7
    for row in betas.itertuples():
        pair = pd.concat([rets[row.symbol], rets[row.factor]], axis=1).dropna()
        assert row.n_obs == len(pair)
        assert row.window_returns == 60
        if len(pair) < 20:
            assert row.quality_flag == "insufficient_data"
            assert pd.isna(row.beta)
            assert pd.isna(row.std_error)
            assert pd.isna(row.r_squared)
            continue
        fit = sm.OLS(pair.iloc[:, 0].to_numpy(), sm.add_constant(pair.iloc[:, 1].to_numpy())
                     ).fit()
        assert row.quality_flag == "ok"
        assert row.beta == pytest.approx(fit.params[1], rel=1e-10)
        if row.symbol == row.factor:  # perfect fit: SE is round-off, t undefined
            assert row.beta == pytest.approx(1.0, rel=1e-12)
            assert pd.isna(row.t_stat)
            continue
        assert row.std_error == pytest.approx(fit.bse[1], rel=1e-10)
        assert row.t_stat == pytest.approx(fit.tvalues[1], rel=1e-10)
        assert row.r_squared == pytest.approx(fit.rsquared, rel=1e-10)
    ccc = betas[(betas.symbol == "CCC") & (betas.factor == "SPY")].iloc[0]
    assert ccc.n_obs == 19
    assert pd.isna(ccc.beta)


def test_stored_greeks_equal_mibian_with_independent_inputs(world):
    greeks = table(world, "position_greeks").set_index("position_id")
    rets = _returns(world)
    as_of = pd.Timestamp(world["as_of"])
    for pid, underlying, strike, side, q in ((3, "AAA", 55.0, "call", 10),
                                             (4, "BBB", 45.0, "put", -5),
                                             (10, "AAA", 55.0, "call", -4)):
        row = greeks.loc[pid]
        last30 = rets[underlying].iloc[-30:].dropna()
        sigma = last30.std(ddof=1) * np.sqrt(252)
        spot = world["prices"][underlying].dropna().iloc[-1]
        assert row.spot == pytest.approx(spot, rel=1e-15)
        assert row.volatility == pytest.approx(sigma, rel=1e-12)
        assert row.volatility_n_obs == len(last30)
        assert row.days_to_expiry == 45
        assert row.t_years == pytest.approx(45 / 365)
        assert row.greeks_source == "black_scholes"
        ref = mibian.BS([spot, strike, 4.5, 45], volatility=sigma * 100)
        assert row.contract_delta == pytest.approx(getattr(ref, f"{side}Delta"), rel=1e-6)
        assert row.contract_theta == pytest.approx(getattr(ref, f"{side}Theta"), rel=1e-6)
        assert row.contract_rho == pytest.approx(getattr(ref, f"{side}Rho"), rel=1e-6)
        assert row.contract_gamma == pytest.approx(ref.gamma, rel=1e-6)
        assert row.contract_vega == pytest.approx(ref.vega, rel=1e-6)
        assert row.delta == pytest.approx(row.contract_delta * q * 100, rel=1e-12)
        assert row.dollar_delta == pytest.approx(row.delta * spot, rel=1e-12)
    expired = greeks.loc[5]
    assert expired.greeks_source == "fallback"
    assert expired.fallback_reason == "expired"
    assert expired.delta == pytest.approx(-0.4 * 3 * 100)  # SC table value · |q| · m
    stock = greeks.loc[2]
    assert stock.greeks_source == "stock"
    assert stock.delta == -800
    assert stock.gamma == 0
    assert pd.isna(greeks.loc[1].days_to_expiry)
    assert (as_of - pd.Timestamp(greeks.loc[4].spot_date)).days == 0


def test_stored_factor_exposures(world):
    betas = table(world, "factor_betas").set_index(["symbol", "factor"])
    greeks = table(world, "position_greeks").set_index("position_id")
    ports = table(world, "portfolio_factor_exposures").set_index(["portfolio_id", "factor"])
    assert len(ports) == 2 * 8
    positions = world["positions"].set_index("position_id")
    for port, equity in ((1, 250_000.0), (2, 80_000.0)):
        mine = positions[positions.portfolio_id == port]
        dollars, excluded = 0.0, 0
        for pid, pos in mine.iterrows():
            b = betas.loc[(pos.underlying_symbol, "SPY")].beta
            if pd.isna(b):
                excluded += 1
                continue
            dollars += greeks.loc[pid].dollar_delta * b
        row = ports.loc[(port, "SPY")]
        assert row.dollar_exposure == pytest.approx(dollars, rel=1e-12)
        assert row.exposure == pytest.approx(dollars / equity, rel=1e-12)
        assert row.n_positions_excluded == excluded
    si = ports.loc[(1, "short_interest")]
    sec = world["securities"].set_index("symbol").short_interest
    expected = sum(greeks.loc[pid].dollar_delta * sec[p.underlying_symbol] / 250_000.0
                   for pid, p in positions[positions.portfolio_id == 1].iterrows()
                   if not pd.isna(sec[p.underlying_symbol]))
    assert si.exposure == pytest.approx(expected, rel=1e-12)
    assert si.n_positions_excluded == 1  # CCC has no short interest


def test_stored_metrics_equal_empyrical_and_var_adds_up(world):
    metrics = table(world, "portfolio_risk_metrics").set_index("portfolio_id")
    comps = table(world, "var_components")
    values = world["values"]
    spy = _returns(world)["SPY"]
    rf = 1.045 ** (1 / 252) - 1
    for port in (1, 2):
        mine = values[values.portfolio_id == port]
        r = pd.Series(mine.daily_return.to_numpy(), index=pd.to_datetime(mine.snapshot_date))
        row = metrics.loc[port]
        assert row.n_returns == len(r)
        assert row.volatility == pytest.approx(empyrical.annual_volatility(r), rel=1e-12)
        assert row.sharpe_ratio == pytest.approx(empyrical.sharpe_ratio(r, risk_free=rf),
                                                 rel=1e-12)
        assert row.max_drawdown == pytest.approx(empyrical.max_drawdown(r), rel=1e-12)
        assert row.beta == pytest.approx(empyrical.beta(r, spy.reindex(r.index)), rel=1e-12)
        assert row.var_95 == pytest.approx(-empyrical.value_at_risk(r, 0.05), rel=1e-12)
        assert row.es_95 == pytest.approx(-empyrical.conditional_value_at_risk(r, 0.05),
                                          rel=1e-12)
        assert row.var_95_dollars == pytest.approx(row.var_95 * mine.portfolio_value.iloc[-1])
        # parametric VaR: plain numpy over the same inputs
        mine_pos = comps[(comps.portfolio_id == port) & (comps.component_level == "position")]
        included = mine_pos.dropna(subset=["component_var"])
        x = included.groupby("underlying_symbol").delta_adjusted_exposure.sum()
        rets = _returns(world).iloc[-60:][x.index]
        cov = rets.cov(ddof=1).to_numpy()
        total = 1.645 * np.sqrt(x.to_numpy() @ cov @ x.to_numpy())
        assert row.parametric_var_95 == pytest.approx(total, rel=1e-10)
        assert abs(included.component_var.sum() - row.parametric_var_95) < 1e-9
        assert row.confidence == 0.95
        assert row.horizon_days == 1
        assert row.var_z == 1.645
    # CCC (19 returns) can't enter the covariance: excluded and counted
    assert metrics.loc[1].var_n_positions_excluded == 1
    tags = comps[(comps.portfolio_id == 1) & (comps.component_level == "tag")].set_index(
        "tag_name")
    pos = comps[comps.component_level == "position"].set_index("position_id")
    assert tags.loc["tech"].component_var == pytest.approx(
        pos.loc[1].component_var + pos.loc[3].component_var, rel=1e-12)
    assert tags.loc["hedge"].component_var == pytest.approx(
        pos.loc[3].component_var + pos.loc[7].component_var, rel=1e-12)
    assert set(tags.index) == {"tech", "hedge", "untagged"}


