"""Factor covariance against numpy.cov; joint exposures against statsmodels OLS."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from python_models.factor_model import factor_covariance, multi_factor_exposures
from tests.python_models.factor_fixtures import FACTORS, factor_returns, security_returns


def test_factor_covariance_equals_numpy_cov_on_the_last_60_complete_sessions():
    f = factor_returns()
    f.iloc[-5, 3] = np.nan  # a hole inside the window drops that session for every factor
    out = factor_covariance(f)
    window = f.iloc[-60:].dropna()
    assert out.n_obs == 59 == len(window)
    want = np.cov(window.to_numpy().T) * 252
    np.testing.assert_allclose(out.cov.to_numpy(), want, rtol=1e-12, atol=0)
    want_corr = np.corrcoef(window.to_numpy().T)
    np.testing.assert_allclose(out.corr.to_numpy(), want_corr, rtol=1e-12, atol=1e-15)
    assert list(out.cov.index) == FACTORS
    assert out.quality_flag == "ok"


def test_factor_covariance_too_little_data_is_nan_with_a_flag():
    out = factor_covariance(factor_returns().iloc[:19])
    assert out.quality_flag == "insufficient_data"
    assert out.cov.isna().all().all()
    assert out.corr.isna().all().all()


def statsmodels_fit(y: pd.Series, f: pd.DataFrame):
    frame = pd.concat([y, f], axis=1).iloc[-60:].dropna()
    if len(frame) < 20:
        return None
    return sm.OLS(frame.iloc[:, 0].to_numpy(), sm.add_constant(frame.iloc[:, 1:].to_numpy())
                  ).fit()


def test_joint_exposures_equal_statsmodels_ols_security_by_security():
    f = factor_returns()
    f.iloc[-7, 5] = np.nan
    sec = security_returns(f)
    loadings, stats = multi_factor_exposures(sec, f)
    checked = 0
    for symbol in sec.columns:
        fit = statsmodels_fit(sec[symbol], f)
        row = stats.loc[symbol]
        if fit is None:
            assert row.quality_flag == "insufficient_data"
            assert loadings.loc[symbol].isna().all()
            assert np.isnan(row.specific_variance)
            continue
        np.testing.assert_allclose(loadings.loc[symbol].to_numpy(), fit.params[1:], rtol=1e-8,
                                   atol=1e-10)
        assert row.alpha == pytest.approx(fit.params[0], rel=1e-8, abs=1e-12)
        # specific variance: SSR / (n - K - 1) = statsmodels mse_resid, times 252
        assert row.specific_variance == pytest.approx(fit.mse_resid * 252, rel=1e-9)
        assert row.specific_volatility == pytest.approx(np.sqrt(fit.mse_resid * 252), rel=1e-9)
        assert row.r_squared == pytest.approx(fit.rsquared, rel=1e-9)
        assert row.n_obs == fit.nobs
        checked += 1
    assert checked == 7  # nine securities less S3 (19 returns, one without factors) and S4
    assert stats.loc["S3", "n_obs"] == 18
    assert stats.loc["S4", "n_obs"] == 0


def test_a_factor_etf_is_its_own_unit_vector():
    f = factor_returns()
    sec = pd.concat([security_returns(f), f[["SPY", "IWM"]]], axis=1)
    loadings, stats = multi_factor_exposures(sec, f)
    assert loadings.loc["SPY"].tolist() == [1.0, 0, 0, 0, 0, 0, 0]
    assert loadings.loc["IWM", "IWM"] == 1.0
    assert loadings.loc["IWM"].sum() == 1.0
    assert stats.loc["SPY", "specific_variance"] == 0.0
    # and the unpinned regression agrees up to round-off (the pin is not hiding anything)
    renamed = f[["SPY"]].rename(columns={"SPY": "SPY_copy"})
    raw, _ = multi_factor_exposures(renamed, f)
    np.testing.assert_allclose(raw.loc["SPY_copy"].to_numpy(), np.eye(7)[0], atol=1e-9)


def test_a_constant_factor_makes_the_design_singular():
    f = factor_returns()
    f["QUAL"] = 0.001
    loadings, stats = multi_factor_exposures(security_returns(f)[["S0"]], f)
    assert stats.loc["S0", "quality_flag"] == "singular_design"
    assert loadings.loc["S0"].isna().all()
