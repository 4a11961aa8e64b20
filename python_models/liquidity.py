"""Liquidity of positions and portfolios from the stored daily volumes.

Average daily volume over the last 20 sessions of the symbol's **own** bars (shares for
stocks and ETFs, contracts for an option — its own volume, not the underlying's)::

    ADV = Σ volume / n_sessions

where n_sessions counts the window's sessions from the symbol's first bar in it: a later
session without a bar counts as zero volume (an exchange reports no bar for a day with no
trades), which errs on the side of less liquidity. No bar in the window, or ADV = 0 → NaN
with ``liquidity_flag = 'no_volume'`` (never 0).

Per position, with |q| in shares (stocks) or contracts (options) and participation rate
ρ (default 20 % of ADV; configurable)::

    pct_of_adv        = |q| / ADV                        (1.5 = 150 % of a day's volume)
    days_to_liquidate = |q| / (ρ · ADV)                  (trading days, fractional)

Per portfolio: the largest days to liquidate, the market-value-weighted mean days, and
``liquid_1d_fraction`` = Σ MV_i · min(1, 1 / days_i) / Σ MV_i over positions with a
volume — the share of the book's market value that can be sold within one day at ρ.
Positions without a volume are counted (``n_no_volume``, ``market_value_no_volume``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

ADV_WINDOW_SESSIONS = 20
DEFAULT_PARTICIPATION = 0.20
FLAG_NO_VOLUME = "no_volume"
FLAG_OK = "ok"
POSITION_COLUMNS = ["position_id", "portfolio_id", "symbol", "units", "adv", "adv_sessions",
                    "pct_of_adv", "days_to_liquidate", "participation_rate",
                    "liquidity_flag"]
PORTFOLIO_COLUMNS = ["portfolio_id", "participation_rate", "max_days_to_liquidate",
                     "weighted_days_to_liquidate", "liquid_1d_fraction", "n_positions",
                     "n_no_volume", "market_value_no_volume"]


def average_daily_volume(volumes: pd.DataFrame,
                         window: int = ADV_WINDOW_SESSIONS) -> pd.DataFrame:
    """ADV per symbol from a (sessions × symbols) volume matrix, NaN where no bar.

    Returns a frame indexed by symbol with ``adv`` and ``adv_sessions``.
    """
    tail = volumes.iloc[-window:].to_numpy(float)
    present = ~np.isnan(tail)
    has_bar = present.any(axis=0)
    first = np.where(has_bar, present.argmax(axis=0), len(tail))
    sessions = len(tail) - first
    with np.errstate(invalid="ignore", divide="ignore"):
        adv = np.nansum(tail, axis=0) / sessions
    adv = np.where(has_bar & (adv > 0), adv, np.nan)
    return pd.DataFrame({"adv": adv, "adv_sessions": sessions.astype(np.int64)},
                        index=pd.Index(volumes.columns, name="symbol"))


def position_liquidity(positions: pd.DataFrame, adv: pd.DataFrame,
                       participation: float = DEFAULT_PARTICIPATION) -> pd.DataFrame:
    """``positions``: ``position_id, portfolio_id, symbol, quantity``; ``adv`` from
    :func:`average_daily_volume`. Returns :data:`POSITION_COLUMNS`."""
    if not 0 < participation <= 1:
        raise ValueError(f"participation rate must be in (0, 1], got {participation}")
    out = positions[["position_id", "portfolio_id", "symbol"]].copy()
    out["units"] = positions["quantity"].abs().to_numpy(float)
    joined = adv.reindex(positions["symbol"])
    out["adv"] = joined["adv"].to_numpy(float)
    out["adv_sessions"] = joined["adv_sessions"].fillna(0).to_numpy(np.int64)
    out["pct_of_adv"] = out["units"] / out["adv"]
    out["days_to_liquidate"] = out["units"] / (participation * out["adv"])
    out["participation_rate"] = participation
    out["liquidity_flag"] = np.where(out["adv"].notna(), FLAG_OK, FLAG_NO_VOLUME)
    return out[POSITION_COLUMNS]


def portfolio_liquidity(position_rows: pd.DataFrame, market_value: pd.Series) -> pd.DataFrame:
    """Portfolio summary of :func:`position_liquidity` rows; ``market_value`` (≥ 0, dollars)
    aligned with ``position_rows``. Returns :data:`PORTFOLIO_COLUMNS`."""
    rows = position_rows.assign(mv=market_value.to_numpy(float))
    known = rows["adv"].notna()
    days = rows["days_to_liquidate"]
    rows["mv_known"] = rows["mv"].where(known)
    rows["mv_days"] = rows["mv_known"] * days
    rows["mv_1d"] = rows["mv_known"] * np.minimum(1.0, 1.0 / days)
    rows["mv_unknown"] = rows["mv"].where(~known, 0.0)
    g = rows.groupby("portfolio_id", sort=True)
    mv_known = g["mv_known"].sum(min_count=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = pd.DataFrame({
            "participation_rate": g["participation_rate"].first(),
            "max_days_to_liquidate": g["days_to_liquidate"].max(),
            "weighted_days_to_liquidate": g["mv_days"].sum(min_count=1) / mv_known,
            "liquid_1d_fraction": g["mv_1d"].sum(min_count=1) / mv_known,
            "n_positions": g.size(),
            "n_no_volume": (~known).groupby(rows["portfolio_id"]).sum(),
            "market_value_no_volume": g["mv_unknown"].sum(),
        })
    return out.reset_index()[PORTFOLIO_COLUMNS]
