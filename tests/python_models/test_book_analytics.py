"""The whole book computation wires every piece to the right inputs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from python_models.book_analytics import BOOK_TABLES, BookInputs, compute_book_analytics
from python_models.greeks import bs_greeks
from tests.python_models.factor_fixtures import FACTORS, factor_returns, security_returns


@pytest.fixture(scope="module")
def result():
    f = factor_returns(n_dates=120)
    sec = security_returns(f)[["S0", "S1", "S2"]]
    returns = pd.concat([f, sec], axis=1)
    closes = 100.0 * (1.0 + returns.fillna(0.0)).cumprod()
    closes.iloc[0] = 100.0
    volumes = pd.DataFrame(1e6, index=closes.index, columns=closes.columns)
    spot = closes.iloc[-1]
    option = bs_greeks(spot["SPY"], 100.0, 40 / 365, 0.04, 0.2, True)
    rows = [  # pid, id, symbol, underlying, type, q, m, sector
        (1, 1, "SPY", "SPY", "ETF", 1000.0, 1, None),
        (2, 2, "S0", "S0", "STOCK", 500.0, 1, "Tech"),
        (2, 3, "S1", "S1", "STOCK", -300.0, 1, "Energy"),
        (2, 4, "SPY_C", "SPY", "OPTION", 5.0, 100, None),
    ]
    positions = pd.DataFrame(rows, columns=["portfolio_id", "position_id", "symbol",
                                            "underlying_symbol", "asset_type", "quantity",
                                            "multiplier", "sector"])
    positions["spot"] = positions["underlying_symbol"].map(spot)
    is_option = positions["asset_type"] == "OPTION"
    positions["option_type"] = np.where(is_option, "C", None)
    positions["strike"] = np.where(is_option, 100.0, np.nan)
    positions["t_years"] = np.where(is_option, 40 / 365, np.nan)
    positions["volatility"] = np.where(is_option, 0.2, np.nan)
    positions["rate"] = 0.04
    delta = np.where(is_option, option["delta"] * 100, 1.0)
    positions["dollar_delta"] = delta * positions["quantity"] * positions["spot"]
    positions["market_value"] = positions["quantity"].abs() * positions["multiplier"] * np.where(
        is_option, option["price"], positions["spot"])
    port_returns = pd.DataFrame({1: f["SPY"].iloc[-90:], 2: sec["S0"].iloc[-90:] * 0.5})
    equity = pd.Series({1: 1000.0 * spot["SPY"], 2: 50_000.0})
    tags = pd.DataFrame({"position_id": [2], "tag_id": [1], "tag_name": ["core"]})
    inputs = BookInputs(closes, volumes, positions, port_returns, equity, tags)
    return compute_book_analytics(inputs, 0.045, 0.2), closes, equity


def test_every_table_is_produced(result):
    out, _, _ = result
    assert set(out) == set(BOOK_TABLES)
    for name in ("portfolio_factor_risk", "portfolio_concentration", "portfolio_liquidity",
                 "portfolio_benchmark_metrics"):
        assert sorted(out[name]["portfolio_id"]) == [1, 2], name


def test_factor_covariance_uses_the_last_60_returns_of_the_closes(result):
    out, closes, _ = result
    returns = closes[FACTORS].pct_change().iloc[-60:]
    cov = out["factor_covariance"].pivot(index="factor", columns="factor_other",
                                         values="covariance").loc[FACTORS, FACTORS]
    np.testing.assert_allclose(cov.to_numpy(), np.cov(returns.to_numpy().T) * 252, rtol=1e-10)


def test_spy_book_in_the_2020_crash_loses_the_spy_move(result):
    out, _, equity = result
    stress = out["stress_results"]
    total = stress[(stress["scenario"] == "crash_2020") & (stress["portfolio_id"] == 1)
                   & (stress["level"] == "total")].iloc[0]
    assert total["pnl_fraction"] == pytest.approx(-0.339, rel=1e-12)
    replay = stress[stress["scenario"].str.startswith("replay_")
                    & (stress["level"] == "total")]
    assert sorted(replay[replay["portfolio_id"] == 1]["horizon_days"]) == [1, 5]
    moves = out["stress_scenarios"]
    spy = moves[(moves["scenario"] == "crash_2020") & (moves["factor"] == "SPY")].iloc[0]
    assert spy["factor_move"] == -0.339
    assert bool(spy["shocked"]) is True
    free = moves[(moves["scenario"] == "crash_2020") & (moves["factor"] == "IWM")].iloc[0]
    assert bool(free["shocked"]) is False
