"""Scenario library and historical replay against brute force."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import python_models.stress_scenarios as library
from python_models.factor_model import factor_covariance, multi_factor_exposures
from python_models.stress import stress_positions
from python_models.stress_scenarios import (
    SCENARIOS,
    factor_windows,
    scenario_moves,
    worst_windows,
)
from tests.python_models.factor_fixtures import FACTORS, factor_returns, security_returns
from tests.python_models.test_stress import book


def test_every_scenario_is_documented_and_uses_known_factors():
    cov = factor_covariance(factor_returns()).cov
    moves, shifts = scenario_moves(SCENARIOS, cov)
    assert len(SCENARIOS) >= 4
    for scenario in SCENARIOS:
        assert f"``{scenario.name}``" in library.__doc__  # the source of its numbers
        assert set(scenario.shocks) <= set(FACTORS)
        for factor, shock in scenario.shocks.items():
            assert moves.loc[scenario.name, factor] == shock
        assert shifts[scenario.name] == scenario.vol_shift
    assert moves.notna().all().all()


def test_factor_windows_compound_like_a_loop():
    f = factor_returns().iloc[:30].copy()
    f.iloc[10, 2] = np.nan
    out = factor_windows(f, 5)
    want = []
    for end in range(4, len(f)):
        chunk = f.iloc[end - 4:end + 1]
        if chunk.notna().all().all():
            want.append([chunk.index[0], chunk.index[-1],
                         *[np.prod(1 + chunk[c].to_numpy()) - 1 for c in FACTORS]])
    assert len(out) == len(want) == 26 - 5
    for row, ref in zip(out.itertuples(index=False), want, strict=True):
        assert row[0] == ref[0]
        assert row[1] == ref[1]
        np.testing.assert_allclose(row[2:], ref[2:], rtol=1e-13)
    one_day = factor_windows(f, 1)
    assert len(one_day) == 29
    assert (one_day["window_start"] == one_day["window_end"]).all()


@pytest.mark.parametrize("horizon", [1, 5])
def test_worst_window_is_the_brute_force_minimum(horizon):
    f = factor_returns()
    sec = pd.concat([security_returns(f), f[["SPY"]]], axis=1)
    loadings, _ = multi_factor_exposures(sec, f)
    unmodelled = book().iloc[[6]].assign(portfolio_id=5, position_id=99)  # S3 alone
    positions = pd.concat([book(), unmodelled], ignore_index=True)
    equity = pd.Series({1: 5e5, 2: 1e5, 3: 2e5, 4: 1e5, 5: 1e5})
    worst, moves = worst_windows(positions, loadings, f, equity, horizons=[horizon])
    windows = factor_windows(f, horizon)
    frame = windows[FACTORS].set_index(pd.Index(range(len(windows)), name="scenario"))
    brute = stress_positions(positions, loadings, frame, pd.Series(0.0, index=frame.index))
    totals = brute.groupby(["portfolio_id", "scenario"])["pnl"].sum(min_count=1).unstack()
    worst = worst.set_index("portfolio_id")
    assert set(worst.index) == {1, 2, 3, 4}  # 5 has nothing computable: no row, never 0
    assert worst.loc[3, "pnl"] == 0.0  # a long = short book loses nothing in any window
    for pid in (1, 2, 4):
        i = int(totals.loc[pid].idxmin())
        row = worst.loc[pid]
        assert row["pnl"] == pytest.approx(totals.loc[pid, i], rel=1e-10)
        assert row["window_end"] == windows["window_end"].iloc[i]
        assert row["pnl_fraction"] == pytest.approx(row["pnl"] / equity[pid])
        np.testing.assert_allclose(moves.loc[row["scenario"], FACTORS].to_numpy(float),
                                   windows[FACTORS].iloc[i].to_numpy(float))
    assert worst.loc[4, "n_excluded"] == 1
    # positions revalued under their own portfolio's window only = the full grid filtered
    own = stress_positions(positions, loadings, moves[FACTORS],
                           pd.Series(0.0, index=moves.index),
                           assignment=worst.reset_index()[["portfolio_id", "scenario"]])
    assert len(own) == (positions["portfolio_id"] != 5).sum()
    for row in own.itertuples():
        i = int(totals.loc[row.portfolio_id].idxmin())
        want = brute[(brute["scenario"] == i) & (brute["position_id"] == row.position_id)]
        assert row.pnl == pytest.approx(want["pnl"].item(), rel=1e-12, nan_ok=True)
    spy_only = worst.loc[1]
    assert spy_only["pnl"] == pytest.approx(500_000 * windows["SPY"].min(), rel=1e-12)
