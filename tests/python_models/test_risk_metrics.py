"""Risk metrics of every portfolio at once against empyrical called per portfolio."""

from __future__ import annotations

import empyrical
import numpy as np
import pandas as pd
import pytest

from python_models.conventions import daily_risk_free
from python_models.risk_metrics import portfolio_risk_metrics

RF = 0.045


def make_returns():
    rng = np.random.default_rng(3)
    dates = pd.bdate_range("2026-03-02", periods=90)
    market = pd.Series(rng.normal(0.0005, 0.011, 90), index=dates)
    market.iloc[[5, 50]] = np.nan  # SPY gaps: beta on aligned dates only
    frame = pd.DataFrame({
        1: 0.8 * market.fillna(0) + rng.normal(0, 0.006, 90),
        2: -0.3 * market.fillna(0) + rng.normal(0.001, 0.01, 90),
        3: rng.normal(0, 0.02, 90),
        4: np.nan,
    }, index=dates)
    frame.iloc[:40, 2] = np.nan  # a later starter: 50 returns
    frame.iloc[-1:, 3] = 0.01    # one return only
    return frame, market


def test_metrics_equal_empyrical():
    returns, market = make_returns()
    out = portfolio_risk_metrics(returns, market, RF).set_index("portfolio_id")
    rf = (1 + RF) ** (1 / 252) - 1
    assert daily_risk_free(RF) == pytest.approx(rf, rel=1e-15)
    for pid in (1, 2, 3):
        r = returns[pid].dropna()
        row = out.loc[pid]
        assert row.n_returns == len(r)
        assert row.volatility == pytest.approx(empyrical.annual_volatility(r), rel=1e-12)
        assert row.sharpe_ratio == pytest.approx(empyrical.sharpe_ratio(r, risk_free=rf),
                                                 rel=1e-12)
        assert row.max_drawdown == pytest.approx(empyrical.max_drawdown(r), rel=1e-12)
        assert row.beta == pytest.approx(empyrical.beta(r, market), rel=1e-12)
        assert row.var_95 == pytest.approx(-empyrical.value_at_risk(r, cutoff=0.05),
                                           rel=1e-12)
        assert row.es_95 == pytest.approx(-empyrical.conditional_value_at_risk(r, 0.05),
                                          rel=1e-12)
        assert row.var_95 > 0
        assert row.es_95 >= row.var_95
        assert row.max_drawdown <= 0
        assert row.quality_flag == "ok"
    assert out.loc[3].n_returns == 50
    assert out.loc[1].beta_n_obs == 88


def test_too_few_returns_are_null_not_zero():
    returns, market = make_returns()
    out = portfolio_risk_metrics(returns, market, RF).set_index("portfolio_id")
    for pid in (4, 5) if 5 in out.index else (4,):
        row = out.loc[pid]
        assert row.quality_flag == "insufficient_data"
        assert np.isnan([row.volatility, row.sharpe_ratio, row.var_95, row.es_95]).all()


def test_sharpe_invariant_to_scaling_and_vol_scales():
    returns, market = make_returns()
    a = portfolio_risk_metrics(returns, market, 0.0).set_index("portfolio_id")
    b = portfolio_risk_metrics(returns * 3, market, 0.0).set_index("portfolio_id")
    np.testing.assert_allclose(a.sharpe_ratio[[1, 2, 3]], b.sharpe_ratio[[1, 2, 3]], rtol=1e-12)
    np.testing.assert_allclose(3 * a.volatility[[1, 2, 3]], b.volatility[[1, 2, 3]], rtol=1e-12)
