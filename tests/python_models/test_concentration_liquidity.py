"""Weights, concentration and liquidity against hand-computed figures and plain loops."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from python_models.concentration import concentration, position_weights
from python_models.liquidity import (
    average_daily_volume,
    portfolio_liquidity,
    position_liquidity,
)

EQUITY = pd.Series({1: 1_000_000.0, 2: 400_000.0, 3: 0.0})


def positions() -> pd.DataFrame:
    rows = [  # id, pid, symbol, underlying, sector, q, exposure, mv, dae
        (1, 1, "AAPL", "AAPL", "Tech", 1000, 200_000.0, 200_000.0, 200_000.0),
        (2, 1, "AAPL_C", "AAPL", "Tech", 10, 5_000.0, 5_000.0, 120_000.0),
        (3, 1, "MSFT", "MSFT", "Tech", -500, -150_000.0, 150_000.0, -150_000.0),
        (4, 1, "XOM", "XOM", "Energy", 2000, 250_000.0, 250_000.0, 250_000.0),
        (5, 1, "ZZZ", "ZZZ", None, 100, 10_000.0, 10_000.0, 10_000.0),
        (6, 1, "BAD_P", "BAD", None, -3, -900.0, 900.0, np.nan),
        (7, 2, "JPM", "JPM", "Financials", 100, 20_000.0, 20_000.0, 20_000.0),
        (8, 3, "JPM", "JPM", "Financials", 100, 20_000.0, 20_000.0, 20_000.0),
    ]
    return pd.DataFrame(rows, columns=["position_id", "portfolio_id", "symbol",
                                       "underlying_symbol", "sector", "quantity", "exposure",
                                       "market_value", "delta_adjusted_exposure"])


def test_weights_sum_to_net_exposure_over_equity():
    w = position_weights(positions(), EQUITY)
    p1 = positions()[positions()["portfolio_id"] == 1]
    assert w[w["portfolio_id"] == 1]["exposure_weight"].sum() == pytest.approx(
        p1["exposure"].sum() / 1e6, rel=1e-15)
    assert w.loc[w["position_id"] == 3, "market_value_weight"].item() == 0.15
    assert w.loc[w["position_id"] == 2, "delta_adjusted_weight"].item() == 0.12
    assert np.isnan(w.loc[w["position_id"] == 8, "exposure_weight"].item())  # equity 0


def test_concentration_by_hand():
    out = concentration(positions(), EQUITY).set_index("portfolio_id")
    p1 = out.loc[1]
    # names: AAPL 320k (stock + option delta), MSFT -150k, XOM 250k, ZZZ 10k; BAD has no dae
    sizes = np.array([320_000.0, 250_000.0, 150_000.0, 10_000.0])
    assert p1.n_names == 4
    assert p1.n_positions_excluded == 1
    assert p1.top5_weight == pytest.approx(sizes.sum() / 1e6)
    assert p1.top10_weight == pytest.approx(sizes.sum() / 1e6)
    hhi = sum((s / sizes.sum()) ** 2 for s in sizes)  # plain loop
    assert p1.herfindahl == pytest.approx(hhi, rel=1e-14)
    assert p1.effective_names == pytest.approx(1 / hhi, rel=1e-14)
    assert p1.largest_name == "AAPL"
    assert p1.largest_name_weight == pytest.approx(0.32)
    # sectors by |net|: Tech 320 - 150 = 170k, Energy 250k → Energy; Unknown (ZZZ) kept
    assert p1.largest_sector == "Energy"
    assert p1.largest_sector_weight == pytest.approx(0.25)
    assert out.loc[2, "herfindahl"] == 1.0
    assert out.loc[2, "top5_weight"] == pytest.approx(0.05)
    # equity 0: HHI still defined (it needs no equity); weights are NaN, never 0
    assert out.loc[3, "herfindahl"] == 1.0
    assert np.isnan(out.loc[3, "top5_weight"])
    assert np.isnan(out.loc[3, "largest_name_weight"])


def test_top_k_with_more_than_ten_names_equals_a_sort():
    rng = np.random.default_rng(3)
    dae = rng.normal(0, 50_000, 25)
    frame = pd.DataFrame({"portfolio_id": 9, "underlying_symbol": [f"N{i}" for i in range(25)],
                          "sector": "X", "delta_adjusted_exposure": dae})
    out = concentration(frame, pd.Series({9: 2e6})).iloc[0]
    ordered = np.sort(np.abs(dae))[::-1]
    assert out.top5_weight == pytest.approx(ordered[:5].sum() / 2e6, rel=1e-14)
    assert out.top10_weight == pytest.approx(ordered[:10].sum() / 2e6, rel=1e-14)
    assert out.largest_sector_gross_weight == pytest.approx(ordered.sum() / 2e6, rel=1e-14)


def test_adv_counts_gaps_after_the_first_bar_as_zero_volume():
    dates = pd.bdate_range("2026-03-02", periods=25)
    vol = pd.DataFrame({"AAPL": np.arange(25, dtype=float) * 1000 + 1000,
                        "OPT": np.nan, "NEW": np.nan, "NONE": np.nan}, index=dates)
    vol.iloc[[-3, -9], 1] = [40.0, 20.0]   # an option traded twice in the window
    vol.iloc[-4:, 2] = 500.0               # listed four sessions ago
    adv = average_daily_volume(vol)
    assert adv.loc["AAPL", "adv"] == vol["AAPL"].iloc[-20:].mean()
    assert adv.loc["OPT", "adv"] == 60.0 / 9   # from its first bar, 9 sessions, 60 contracts
    assert adv.loc["OPT", "adv_sessions"] == 9
    assert adv.loc["NEW", "adv"] == 500.0
    assert np.isnan(adv.loc["NONE", "adv"])


def test_liquidity_days_and_portfolio_summary():
    adv = pd.DataFrame({"adv": [10_000.0, 50.0, np.nan], "adv_sessions": [20, 20, 0]},
                       index=pd.Index(["AAPL", "AAPL_C", "XOM"], name="symbol"))
    pos = positions()[positions()["symbol"].isin(["AAPL", "AAPL_C", "XOM"])]
    rows = position_liquidity(pos, adv, participation=0.2)
    by_id = rows.set_index("position_id")
    assert by_id.loc[1, "pct_of_adv"] == 0.1
    assert by_id.loc[1, "days_to_liquidate"] == pytest.approx(1000 / (0.2 * 10_000))
    assert by_id.loc[2, "days_to_liquidate"] == pytest.approx(10 / (0.2 * 50))  # contracts
    assert by_id.loc[4, "liquidity_flag"] == "no_volume"
    assert np.isnan(by_id.loc[4, "days_to_liquidate"])
    summary = portfolio_liquidity(rows, pos["market_value"]).iloc[0]
    assert summary.max_days_to_liquidate == pytest.approx(1.0)
    mv = {1: 200_000.0, 2: 5_000.0}
    days = {1: 0.5, 2: 1.0}
    assert summary.weighted_days_to_liquidate == pytest.approx(
        sum(mv[i] * days[i] for i in mv) / sum(mv.values()))
    assert summary.liquid_1d_fraction == pytest.approx(1.0)
    assert summary.n_no_volume == 1
    assert summary.market_value_no_volume == 250_000.0
    slower = portfolio_liquidity(position_liquidity(pos, adv, participation=0.1),
                                 pos["market_value"]).iloc[0]
    # the option needs 2 days: half of it goes on day one
    assert slower.liquid_1d_fraction == pytest.approx((200_000 + 5_000 / 2) / 205_000)
    with pytest.raises(ValueError, match="participation"):
        position_liquidity(pos, adv, participation=0.0)
