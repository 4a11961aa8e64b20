"""Named stress scenarios and the historical replay of the worst factor windows.

Library
-------
Each scenario fixes some factor moves (simple returns over the episode, decimals) and a
volatility shift (absolute, annualised decimal: 0.10 = +10 vol points, applied to every
option's σ). Factors a scenario leaves out move by their conditional expectation given
the shocked ones (:func:`python_models.stress.implied_factor_moves`). Numbers are rounded
from public closing levels and fund returns:

``crash_2020`` — 2020-style crash (COVID-19). The S&P 500 closed at 3,386.15 on
2020-02-19 and 2,237.40 on 2020-03-23 (−33.9 %, S&P Dow Jones Indices). The Cboe VIX
closed near 14 on 2020-02-19 and near 62 on 2020-03-23 (+47 points, Cboe VIX history).
SPY −33.9 %, vol +0.47.

``rate_shock_2022`` — 2022-style rate shock. Calendar-2022 total returns: SPY −18.2 %,
Vanguard Growth ETF (VUG) −33.1 %, Vanguard Value ETF (VTV) −2.1 % (fund fact sheets;
growth fell with the repricing of long-duration equity as the Fed raised rates by 4.25
points). VIX closed 17.22 on 2021-12-31 and 21.67 on 2022-12-30 (+4.5 points).

``volmageddon_2018`` — 2018-02-05 volatility spike: the S&P 500 fell 4.1 % (2,762.13 on
2018-02-02 to 2,648.94) and the VIX closed 37.32 after 17.31 (+20 points, Cboe).

``momentum_reversal`` — stylised, not a replay: momentum −10 %, value +5 %, market
unchanged. Momentum crashes happen in sharp rebounds when past losers rally
(Daniel & Moskowitz, "Momentum crashes", Journal of Financial Economics 122(2), 2016);
2020-11-09 (vaccine news) was such a day. Vol +0.

Historical replay
-----------------
For horizons h = 1 and 5 sessions, every window of h consecutive sessions in the loaded
factor history where all seven factors have returns gives a full move vector
m_k = Π(1 + f_k,t) − 1 (no conditional expectation, vol shift 0). The book is revalued
under each window and, per portfolio, the window with the lowest total P&L is its worst
window. Window dates are return dates: the move runs from the close of the session
before ``window_start`` to the close of ``window_end``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view

from python_models.stress import implied_factor_moves, portfolio_stress_matrix

REPLAY_HORIZONS = (1, 5)


@dataclass(frozen=True)
class Scenario:
    """A named scenario: factor moves (decimals), vol shift (decimal points), source."""

    name: str
    description: str
    source: str
    shocks: dict[str, float] = field(default_factory=dict)
    vol_shift: float = 0.0


SCENARIOS: tuple[Scenario, ...] = (
    Scenario("crash_2020", "2020-style crash: S&P 500 -33.9 % (2020-02-19 to 2020-03-23), "
             "VIX +47 points", "S&P 500 closes 3,386.15 and 2,237.40 (S&P Dow Jones "
             "Indices); Cboe VIX daily closes", {"SPY": -0.339}, 0.47),
    Scenario("rate_shock_2022", "2022-style rate shock: calendar-2022 total returns SPY "
             "-18.2 %, VUG -33.1 %, VTV -2.1 %, VIX +4.5 points",
             "fund fact sheets (SPDR SPY, Vanguard VUG and VTV), calendar 2022; Cboe VIX "
             "closes 17.22 and 21.67", {"SPY": -0.182, "VUG": -0.331, "VTV": -0.021}, 0.045),
    Scenario("volmageddon_2018", "2018-02-05 volatility spike: S&P 500 -4.1 %, VIX +20 "
             "points", "S&P 500 closes 2,762.13 and 2,648.94; Cboe VIX closes 17.31 and "
             "37.32", {"SPY": -0.041}, 0.20),
    Scenario("momentum_reversal", "Stylised momentum crash: MTUM -10 %, VTV +5 %, market "
             "flat", "stylised after Daniel & Moskowitz, 'Momentum crashes', Journal of "
             "Financial Economics 122(2), 2016", {"MTUM": -0.10, "VTV": 0.05, "SPY": 0.0},
             0.0),
)


def scenario_moves(scenarios: Sequence[Scenario], factor_cov: pd.DataFrame
                   ) -> tuple[pd.DataFrame, pd.Series]:
    """(scenario × factor) full moves and the vol shift per scenario."""
    moves = pd.DataFrame([implied_factor_moves(s.shocks, factor_cov) for s in scenarios],
                         index=pd.Index([s.name for s in scenarios], name="scenario"))
    shifts = pd.Series([s.vol_shift for s in scenarios], index=moves.index, name="vol_shift")
    return moves, shifts


def factor_windows(factor_returns: pd.DataFrame, horizon: int) -> pd.DataFrame:
    """Compounded factor moves over every window of ``horizon`` complete sessions.

    Returns one row per window with ``window_start``, ``window_end`` and one column per
    factor (Π(1 + f) − 1); windows touching a session with a missing factor are left out.
    """
    values = factor_returns.to_numpy(float)
    dates = factor_returns.index
    if len(values) < horizon:
        return pd.DataFrame(columns=["window_start", "window_end", *factor_returns.columns])
    windows = sliding_window_view(values, horizon, axis=0)        # W × K × h
    moves = np.prod(1.0 + windows, axis=2) - 1.0
    complete = np.isfinite(moves).all(axis=1)
    out = pd.DataFrame(moves[complete], columns=factor_returns.columns)
    out.insert(0, "window_end", dates[horizon - 1:][complete])
    out.insert(0, "window_start", dates[: len(dates) - horizon + 1][complete])
    return out


def worst_windows(positions: pd.DataFrame, loadings: pd.DataFrame,
                  factor_returns: pd.DataFrame, equity: pd.Series,
                  horizons: Sequence[int] = REPLAY_HORIZONS) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Each portfolio's worst historical factor window per horizon.

    Returns ``(worst, moves)``: ``worst`` has ``portfolio_id, horizon_days, scenario,
    window_start, window_end, pnl, pnl_fraction`` (one row per portfolio × horizon with a
    computable window; ``scenario`` = ``replay_<h>d_<window_end>``; ``n_excluded``
    positions without a model add nothing); ``moves`` is the (scenario ×
    factor) frame of the windows chosen, with their dates, for
    :func:`python_models.stress.stress_positions`.
    """
    factors = list(loadings.columns)
    worst_parts, move_parts = [], []
    for horizon in horizons:  # two horizons: a loop over scenarios, not over data rows
        windows = factor_windows(factor_returns[factors], horizon)
        if windows.empty or positions.empty:
            continue
        names = [f"replay_{horizon}d_{pd.Timestamp(d).date().isoformat()}"
                 for d in windows["window_end"]]
        pnl, counts = portfolio_stress_matrix(
            positions, loadings, windows[factors].to_numpy(float), np.zeros(len(windows)))
        computed = np.isfinite(pnl).all(axis=0)
        pick = np.argmin(np.where(computed[None, :], pnl, 0.0), axis=0)
        eq = equity.reindex(counts["portfolio_id"]).to_numpy(float)
        chosen = np.where(computed, pnl[pick, np.arange(pnl.shape[1])], np.nan)
        worst_parts.append(pd.DataFrame({
            "portfolio_id": counts["portfolio_id"].to_numpy(), "horizon_days": horizon,
            "scenario": np.asarray(names, dtype=object)[pick],
            "window_start": windows["window_start"].to_numpy()[pick],
            "window_end": windows["window_end"].to_numpy()[pick],
            "pnl": chosen, "pnl_fraction": chosen / np.where(eq > 0, eq, np.nan),
            "n_positions": counts["n_positions"].to_numpy(),
            "n_excluded": counts["n_excluded"].to_numpy()})[computed])
        used = np.unique(pick[computed])
        move_parts.append(windows.iloc[used].assign(horizon_days=horizon).set_index(
            pd.Index(np.asarray(names, dtype=object)[used], name="scenario")))
    if not worst_parts:
        empty = pd.DataFrame(columns=["portfolio_id", "horizon_days", "scenario",
                                      "window_start", "window_end", "pnl", "pnl_fraction",
                                      "n_positions", "n_excluded"])
        return empty, pd.DataFrame(columns=["window_start", "window_end", *factors,
                                            "horizon_days"])
    return pd.concat(worst_parts, ignore_index=True), pd.concat(move_parts)
