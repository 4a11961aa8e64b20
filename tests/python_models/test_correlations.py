"""Security correlations against pandas' pairwise corr; top pairs against a plain loop."""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pandas as pd
import pytest

from python_models.correlations import correlation_matrix, top_correlated_pairs
from tests.python_models.factor_fixtures import factor_returns, security_returns


@pytest.fixture(scope="module")
def returns() -> pd.DataFrame:
    f = factor_returns()
    sec = security_returns(f)
    sec["FLAT"] = 0.0  # zero variance: NaN, never 0
    return sec


def test_matrix_equals_pandas_pairwise_corr(returns):
    corr, n = correlation_matrix(returns)
    window = returns.iloc[-60:]
    want = window.corr(min_periods=20)
    want.loc["FLAT", :] = np.nan
    want.loc[:, "FLAT"] = np.nan
    np.testing.assert_allclose(corr.to_numpy(), want.to_numpy(), rtol=1e-10, atol=1e-12)
    counts = window.notna().astype(int)
    np.testing.assert_array_equal(n.to_numpy(), (counts.T @ counts).to_numpy())
    assert corr.loc["S3", "S0"] != corr.loc["S3", "S0"]  # 19 pairs: NaN
    assert corr.loc["S0", "S0"] == 1.0


def test_top_pairs_equal_a_plain_loop(returns):
    corr, n = correlation_matrix(returns)
    holdings = pd.DataFrame({
        "portfolio_id": [1] * 7 + [2] * 3 + [3],
        "underlying_symbol": ["S0", "S1", "S2", "S5", "S6", "S0", "S3",
                              "S7", "S8", "S4", "S0"],
    })
    out = top_correlated_pairs(holdings, corr, n, n_top=4)
    for pid, group in holdings.groupby("portfolio_id"):
        symbols = sorted(set(group["underlying_symbol"]), key=list(corr.index).index)
        pairs = [(a, b, corr.loc[a, b]) for a, b in combinations(symbols, 2)
                 if np.isfinite(corr.loc[a, b])]
        pairs.sort(key=lambda p: -abs(p[2]))
        want = pairs[:4]
        got = out[out["portfolio_id"] == pid]
        assert list(got["rank"]) == list(range(1, len(want) + 1))
        assert list(zip(got["symbol_a"], got["symbol_b"], strict=True)) == \
            [(a, b) for a, b, _ in want]
        np.testing.assert_allclose(got["correlation"].to_numpy(), [c for *_, c in want])
    assert len(out[out["portfolio_id"] == 2]) == 1  # S4 has no returns: its pairs are NaN
    assert (out["portfolio_id"] == 3).sum() == 0   # one name: no pair
