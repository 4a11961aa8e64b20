"""Parametric VaR against plain numpy; Euler components add up to the total."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from python_models.var import parametric_var, tag_components


def _setup(seed=5, n=6, p=4):
    rng = np.random.default_rng(seed)
    returns = rng.normal(0, 0.015, (60, n)) + rng.normal(0, 0.01, (60, 1))
    cov = np.cov(returns, rowvar=False, ddof=1)
    x = rng.normal(0, 1e5, (p, n))
    x[0, 2] = 0.0
    return cov, x


def test_var_equals_plain_numpy_and_components_sum():
    cov, x = _setup()
    out = parametric_var(x, cov)
    for p in range(x.shape[0]):
        xp = x[p]
        total = 1.645 * np.sqrt(xp @ cov @ xp)
        assert out["var"][p] == pytest.approx(total, rel=1e-12)
        comps = [1.645 * xp[i] * (cov @ xp)[i] / np.sqrt(xp @ cov @ xp) for i in range(len(xp))]
        np.testing.assert_allclose(out["component"][p], comps, rtol=1e-10, atol=1e-9)
        assert abs(out["component"][p].sum() - out["var"][p]) < 1e-9


def test_short_hedge_of_a_correlated_name_reduces_var():
    cov = np.array([[0.02**2, 0.8 * 0.02 * 0.015], [0.8 * 0.02 * 0.015, 0.015**2]])
    long_only = parametric_var(np.array([[1e5, 0]]), cov)["var"][0]
    hedged = parametric_var(np.array([[1e5, -1e5]]), cov)["var"][0]
    assert long_only == pytest.approx(1.645 * 0.02 * 1e5, rel=1e-14)
    assert hedged == pytest.approx(1.645 * 1e5 * np.sqrt(0.02**2 + 0.015**2
                                                         - 2 * 0.8 * 0.02 * 0.015), rel=1e-12)
    assert hedged < long_only


def test_zero_book_is_nan():
    cov, _ = _setup()
    out = parametric_var(np.zeros((1, 6)), cov)
    assert np.isnan(out["var"][0])


def test_tag_components_sum_with_multi_tag_and_untagged():
    positions = pd.DataFrame({"position_id": [1, 2, 3, 4], "portfolio_id": [9, 9, 9, 9],
                              "component_var": [10.0, 5.0, -2.0, 7.0]})
    tags = pd.DataFrame({"position_id": [1, 1, 2], "tag_id": [100, 101, 100],
                         "tag_name": ["tech", "core", "tech"]})
    out = tag_components(positions, tags).set_index("tag_name")
    assert out.loc["tech"].component_var == 15.0
    assert out.loc["tech"].n_positions == 2
    assert out.loc["core"].component_var == 10.0
    assert out.loc["untagged"].component_var == 5.0
    assert pd.isna(out.loc["untagged"].tag_id)
