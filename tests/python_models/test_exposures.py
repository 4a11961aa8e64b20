"""Factor exposures: signed weights, options through delta, short interest."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from python_models.exposures import portfolio_factor_exposures, position_factor_exposures
from python_models.greeks import position_greeks

BETAS = pd.DataFrame({"symbol": ["AAA", "AAA", "BBB", "BBB"],
                      "factor": ["SPY", "IWM", "SPY", "IWM"],
                      "beta": [1.2, 0.5, 0.8, np.nan]})


def _run(positions, equity):
    rows = position_factor_exposures(positions, BETAS, ["SPY", "IWM"])
    return rows, portfolio_factor_exposures(rows, positions, pd.Series(equity)).set_index(
        ["portfolio_id", "factor"])


def test_short_with_positive_beta_lowers_portfolio_beta():
    longs = pd.DataFrame({"position_id": [1], "portfolio_id": [1], "underlying_symbol": ["AAA"],
                          "delta_adjusted_exposure": [100_000.0], "short_interest": [0.02]})
    both = pd.concat([longs, pd.DataFrame({
        "position_id": [2], "portfolio_id": [1], "underlying_symbol": ["BBB"],
        "delta_adjusted_exposure": [-50_000.0], "short_interest": [0.10]})], ignore_index=True)
    _, alone = _run(longs, {1: 200_000.0})
    _, hedged = _run(both, {1: 200_000.0})
    assert alone.loc[(1, "SPY")].exposure == pytest.approx(1.2 * 100_000 / 200_000)
    assert hedged.loc[(1, "SPY")].exposure == pytest.approx(
        (1.2 * 100_000 - 0.8 * 50_000) / 200_000)
    assert hedged.loc[(1, "SPY")].exposure < alone.loc[(1, "SPY")].exposure
    # NULL beta: left out and counted
    assert hedged.loc[(1, "IWM")].n_positions_excluded == 1
    assert hedged.loc[(1, "IWM")].dollar_exposure == pytest.approx(50_000.0)
    si = hedged.loc[(1, "short_interest")]
    assert si.exposure == pytest.approx((100_000 * 0.02 - 50_000 * 0.10) / 200_000)


def test_options_enter_through_delta():
    frame = pd.DataFrame([{
        "asset_type": "OPTION", "position_type": "LC", "option_type": "C", "quantity": 10,
        "multiplier": 100, "spot": 50.0, "strike": 50.0, "days_to_expiry": 60,
        "volatility": 0.3, "rate": 0.045}])
    greeks = position_greeks(frame)
    dae = greeks.dollar_delta.iloc[0]
    positions = pd.DataFrame({"position_id": [7], "portfolio_id": [1],
                              "underlying_symbol": ["AAA"], "delta_adjusted_exposure": [dae],
                              "short_interest": [np.nan]})
    rows, port = _run(positions, {1: 1_000_000.0})
    delta = greeks.contract_delta.iloc[0]
    assert dae == pytest.approx(delta * 10 * 100 * 50.0, rel=1e-14)
    assert 0.5 < delta < 0.6
    assert rows.set_index("factor").loc["SPY"].dollar_exposure == pytest.approx(1.2 * dae)
    assert port.loc[(1, "SPY")].exposure == pytest.approx(1.2 * dae / 1e6)
    si = port.loc[(1, "short_interest")]
    assert np.isnan(si.exposure)
    assert si.n_positions_excluded == 1
