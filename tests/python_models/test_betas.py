"""Vectorised betas against statsmodels OLS (with intercept), pair by pair."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from python_models.betas import ols_betas, pairwise_covariance, simple_returns

FACTORS = ["SPY", "MTUM", "VTV", "VUG", "QUAL", "IWM", "SPLV"]


def make_returns(seed: int = 1, n_dates: int = 60, n_sec: int = 12):
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("2026-01-02", periods=n_dates)
    market = rng.normal(0.0004, 0.01, n_dates)
    factors = pd.DataFrame({f: market * rng.uniform(0.6, 1.3) + rng.normal(0, 0.004, n_dates)
                            for f in FACTORS}, index=dates)
    secs = {}
    for i in range(n_sec):
        secs[f"S{i}"] = 0.0002 + rng.uniform(-0.5, 2.0) * market + rng.normal(0, 0.015, n_dates)
    sec = pd.DataFrame(secs, index=dates)
    # holes: random NaNs, a factor hole, a short history, exactly 19 and 20 pairs
    sec.iloc[rng.choice(n_dates, 8, replace=False), 1] = np.nan
    sec.iloc[:30, 2] = np.nan
    sec.iloc[:41, 3] = np.nan  # 19 returns left
    sec.iloc[:40, 4] = np.nan  # 20 returns left
    sec.iloc[:, 5] = np.nan    # nothing
    factors.iloc[[3, 17, 44], 1] = np.nan
    return sec, factors


def statsmodels_reference(sec: pd.DataFrame, factors: pd.DataFrame) -> dict:
    ref = {}
    for s in sec.columns:
        for f in factors.columns:
            pair = pd.concat([sec[s], factors[f]], axis=1).dropna()
            if len(pair) < 20:
                ref[(s, f)] = None
                continue
            fit = sm.OLS(pair.iloc[:, 0].to_numpy(), sm.add_constant(pair.iloc[:, 1].to_numpy())
                         ).fit()
            ref[(s, f)] = {"alpha": fit.params[0], "beta": fit.params[1],
                           "std_error": fit.bse[1], "t_stat": fit.tvalues[1],
                           "r_squared": fit.rsquared, "n_obs": int(fit.nobs)}
    return ref


def test_betas_equal_statsmodels_ols():
    sec, factors = make_returns()
    out = ols_betas(sec, factors)
    ref = statsmodels_reference(sec, factors)
    assert len(out) == sec.shape[1] * len(FACTORS)
    checked = 0
    for row in out.itertuples():
        want = ref[(row.symbol, row.factor)]
        if want is None:
            assert row.quality_flag == "insufficient_data"
            assert np.isnan([row.beta, row.std_error, row.t_stat, row.r_squared,
                             row.alpha]).all()
            continue
        assert row.quality_flag == "ok"
        assert row.n_obs == want["n_obs"]
        for name in ("beta", "std_error", "t_stat", "r_squared", "alpha"):
            assert getattr(row, name) == pytest.approx(want[name], rel=1e-10, abs=1e-15), name
        checked += 1
    assert checked > 60


def test_nineteen_pairs_is_null_twenty_is_not():
    sec, factors = make_returns()
    out = ols_betas(sec, factors).set_index(["symbol", "factor"])
    s3 = out.loc[("S3", "SPY")]
    assert s3.n_obs == 19
    assert s3.quality_flag == "insufficient_data"
    assert np.isnan(s3.beta)
    s4 = out.loc[("S4", "SPY")]
    assert s4.n_obs == 20
    assert s4.quality_flag == "ok"
    assert np.isfinite(s4.beta)
    empty = out.loc[("S5", "SPY")]
    assert empty.n_obs == 0
    assert np.isnan(empty.beta)


def test_zero_variance_factor_is_flagged():
    sec, factors = make_returns()
    factors["SPLV"] = 0.001
    out = ols_betas(sec, factors).set_index(["symbol", "factor"])
    row = out.loc[("S0", "SPLV")]
    assert row.quality_flag == "zero_factor_variance"
    assert np.isnan(row.beta)


def test_beta_is_cov_over_var():
    sec, factors = make_returns()
    out = ols_betas(sec, factors).set_index(["symbol", "factor"])
    pair = pd.concat([sec["S1"], factors["MTUM"]], axis=1).dropna().to_numpy()
    cov = np.cov(pair[:, 0], pair[:, 1], ddof=1)
    assert out.loc[("S1", "MTUM")].beta == pytest.approx(cov[0, 1] / cov[1, 1], rel=1e-12)


def test_simple_returns_do_not_bridge_gaps():
    closes = pd.DataFrame({"A": [100.0, 110.0, np.nan, 121.0, 133.1]})
    r = simple_returns(closes)["A"].tolist()
    assert np.isnan(r[0])
    assert np.isnan(r[2])
    assert np.isnan(r[3])
    assert r[1] == pytest.approx(0.1)
    assert r[4] == pytest.approx(0.1)


def test_pairwise_covariance_equals_pandas():
    sec, _ = make_returns()
    cov, n = pairwise_covariance(sec.iloc[:, :5])
    expected = sec.iloc[:, :5].cov(ddof=1).to_numpy()
    np.testing.assert_allclose(cov, expected, rtol=1e-12, atol=1e-18)
    assert n[0, 0] == 60
    assert n[1, 1] == 52
