"""Benchmark-relative metrics against empyrical per series; rolling against pandas."""

from __future__ import annotations

import empyrical
import numpy as np
import pandas as pd
import pytest

from python_models.benchmark import benchmark_relative
from python_models.conventions import daily_risk_free
from python_models.rolling import rolling_metrics

RATE = 0.045
RF = daily_risk_free(RATE)


@pytest.fixture(scope="module")
def series():
    rng = np.random.default_rng(5)
    dates = pd.bdate_range("2026-01-02", periods=90)
    spy = pd.Series(rng.normal(0.0005, 0.01, 90), index=dates)
    spy.iloc[[12, 40]] = np.nan                                   # benchmark holes
    cols = {}
    for pid, beta in zip([1, 2, 3, 4, 5], [0.8, -0.3, 1.4, 0.0, 1.0], strict=True):
        cols[pid] = beta * spy.fillna(0) + rng.normal(0.0002, 0.006, 90)
    returns = pd.DataFrame(cols, index=dates)
    returns.iloc[:35, 1] = np.nan            # entered later
    returns.iloc[[50, 51, 70], 2] = np.nan   # holes
    returns.iloc[:-15, 3] = np.nan           # too short: 15 returns
    returns[5] = 0.001                       # constant, never draws down
    return returns, spy


def empyrical_reference(r: pd.Series, b: pd.Series) -> dict:
    own = r.dropna().to_numpy()
    pair = pd.concat([r, b], axis=1).dropna()
    pr, pb = pair.iloc[:, 0].to_numpy(), pair.iloc[:, 1].to_numpy()
    alpha, beta = empyrical.alpha_beta(pr, pb, risk_free=RF)
    return {
        "alpha": alpha, "beta": beta,
        "information_ratio": empyrical.excess_sharpe(pr, pb) * np.sqrt(252),
        "tracking_error": np.std(pr - pb, ddof=1) * np.sqrt(252),
        "sortino_ratio": empyrical.sortino_ratio(own, required_return=RF),
        "calmar_ratio": empyrical.calmar_ratio(own),
        "up_capture": empyrical.up_capture(pr, pb),
        "down_capture": empyrical.down_capture(pr, pb),
    }


def test_relative_metrics_equal_empyrical_called_on_each_series(series):
    returns, spy = series
    out = benchmark_relative(returns, spy, RATE).set_index("portfolio_id")
    for pid in (1, 2, 3):
        want = empyrical_reference(returns[pid], spy)
        row = out.loc[pid]
        assert row.quality_flag == "ok"
        for name, value in want.items():
            assert row[name] == pytest.approx(value, rel=1e-9, abs=1e-12), (pid, name)
    assert out.loc[3, "n_paired"] == 90 - 3 - 2
    assert out.loc[2, "n_returns"] == 55


def test_too_little_data_and_no_drawdown_are_nan(series):
    returns, spy = series
    out = benchmark_relative(returns, spy, RATE).set_index("portfolio_id")
    short = out.loc[4]
    assert short.quality_flag == "insufficient_data"
    assert np.isnan(short[["alpha", "beta", "tracking_error", "sortino_ratio",
                           "calmar_ratio", "up_capture"]].astype(float)).all()
    assert np.isnan(out.loc[5, "calmar_ratio"])  # empyrical: no drawdown → NaN
    assert np.isnan(empyrical.calmar_ratio(returns[5].to_numpy()))


def pandas_rolling(r: pd.Series, b: pd.Series) -> pd.DataFrame:
    roll = r.rolling(20, min_periods=20)
    return pd.DataFrame({
        "rolling_volatility": roll.std() * np.sqrt(252),
        "rolling_sharpe": (r - RF).rolling(20, min_periods=20).mean()
        / (r - RF).rolling(20, min_periods=20).std() * np.sqrt(252),
        "rolling_beta": roll.cov(b) / b.rolling(20, min_periods=20).var(),
    })


def test_rolling_metrics_equal_pandas_rolling(series):
    returns, spy = series
    out = rolling_metrics(returns, spy, RATE)
    for pid in (1, 2, 3):
        want = pandas_rolling(returns[pid], spy)
        want = want[returns[pid].rolling(20).count() == 20]
        got = out[out["portfolio_id"] == pid].set_index("metric_date")
        assert list(got.index) == list(want.index)
        for name in ("rolling_volatility", "rolling_sharpe", "rolling_beta"):
            np.testing.assert_allclose(got[name].to_numpy(float), want[name].to_numpy(float),
                                       rtol=1e-9, atol=1e-12, err_msg=f"{pid} {name}")
        # windows holding an SPY hole have no beta (pandas agrees above)
        assert got["rolling_beta"].isna().sum() > 0
    assert (out["portfolio_id"] == 4).sum() == 0  # 15 returns: no full window
    flat = out[out["portfolio_id"] == 5]
    assert (flat["rolling_volatility"] == 0.0).all()
    assert flat["rolling_sharpe"].isna().all()  # zero dispersion: undefined, not ±1e15
