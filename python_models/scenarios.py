"""Dynamic Greeks and scenario P&L grids of a book (full Black–Scholes revaluation).

A *book* is a frame with one row per position and the columns :func:`position_greeks`
reads (``asset_type, position_type, option_type, quantity, multiplier, spot, strike,
days_to_expiry, volatility, rate``) plus ``exposure`` = q · p · m, the position's signed
value at its market close p (design §5).

A *scenario* moves every input at once:

- ``spot_shift_pct`` — every underlying's close S → S · (1 + s / 100) (a market-wide
  move, percent);
- ``vol_shift_pts`` — every σ → σ + v / 100 (volatility points), floored at
  ``SCENARIO_VOL_FLOOR`` so that a large negative shift prices at σ → 0⁺ (the discounted
  intrinsic value) instead of failing;
- ``rate`` — the risk-free rate r′ (annual decimal) instead of each row's ``rate``;
- ``days_forward`` — the valuation date moves this many calendar days after the as-of
  date: T → T − days_forward / 365 (an option expiring on or before the valuation date
  is worth its intrinsic value).

Scenario P&L of a position (dollars, signed, gain > 0):

- full revaluation: stocks q m S s/100; options q m [BS(S′, K, T′, r′, σ′) − BS(S, K, T, r, σ)];
- delta-gamma approximation from the *base* position Greeks (units of
  :mod:`python_models.greeks`): Δ dS + ½ Γ dS² + vega · v + θ · days_forward
  + ρ · 100 (r′ − r), with dS = S s / 100 — second order in spot, first order in volatility,
  time and rate. For a pure spot shift its error is O(s³).

Book value at a scenario = Σ exposure (every position at its mark; a position without a
mark counts 0) + Σ P&L of the revalued positions. Positions whose base Greeks are the
design's fallback values (no σ, no close, expired) cannot be revalued: they are held at
their mark, left out of both P&L columns and listed (``not_revalued``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from python_models.black_scholes import bs_price
from python_models.conventions import (
    CALENDAR_DAYS_PER_YEAR,
    SCENARIO_VOL_FLOOR,
    SOURCE_BS,
    SOURCE_STOCK,
)
from python_models.greeks import GREEKS, position_greeks

BOOK_GREEKS = (*GREEKS, "dollar_delta")
GRID_COLUMNS = ["spot_shift_pct", "vol_shift_pts", "pnl_full", "pnl_delta_gamma",
                "approximation_error", "value_full", "value_delta_gamma"]


@dataclass(frozen=True)
class Scenario:
    """One point of the input space (units in the module docstring)."""

    spot_shift_pct: float = 0.0
    vol_shift_pts: float = 0.0
    rate: float | None = None
    days_forward: float = 0.0


def shift_inputs(book: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    """``book`` with ``spot``, ``volatility``, ``rate`` and ``days_to_expiry`` moved."""
    out = book.copy()
    out["spot"] = book["spot"].to_numpy(float) * (1.0 + scenario.spot_shift_pct / 100.0)
    out["volatility"] = np.maximum(book["volatility"].to_numpy(float)
                                   + scenario.vol_shift_pts / 100.0, SCENARIO_VOL_FLOOR)
    if scenario.rate is not None:
        out["rate"] = float(scenario.rate)
    out["days_to_expiry"] = book["days_to_expiry"].to_numpy(float) - scenario.days_forward
    return out


def scenario_greeks(book: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    """Per-position Greeks at the scenario's inputs.

    Returns the shifted inputs (``spot, volatility, rate, days_to_expiry``) beside the
    output of :func:`python_models.greeks.position_greeks` on them (per-contract and
    position Greeks, ``theoretical_price``, ``greeks_source``).
    """
    shifted = shift_inputs(book, scenario)
    inputs = shifted[["spot", "volatility", "rate", "days_to_expiry"]]
    return pd.concat([inputs, position_greeks(shifted)], axis=1)


def book_greeks(greeks: pd.DataFrame) -> dict[str, float | int]:
    """Book totals Σ over positions of each position Greek and of dollar delta.

    A NULL position value (fallback rho, dollar delta without a close) is left out of
    its sum and counted in ``n_missing_<greek>``; a sum over no value is NaN.
    """
    totals: dict[str, float | int] = {}
    for name in BOOK_GREEKS:
        column = greeks[name]
        totals[name] = float(column.sum(min_count=1))
        totals[f"n_missing_{name}"] = int(column.isna().sum())
    return totals


@dataclass(frozen=True)
class PnlGrid:
    """A spot × volatility grid of book P&L (see :func:`pnl_grid`)."""

    cells: pd.DataFrame
    book_value: float
    n_revalued: int
    not_revalued: pd.Index


def _revaluable(base: pd.DataFrame) -> np.ndarray:
    return base["greeks_source"].isin([SOURCE_STOCK, SOURCE_BS]).to_numpy()


def pnl_grid(book: pd.DataFrame, spot_shifts_pct: ArrayLike, vol_shifts_pts: ArrayLike,
             rate: float | None = None, days_forward: float = 0.0) -> PnlGrid:
    """Book P&L on every (spot shift, vol shift) pair, full revaluation and delta-gamma.

    Parameters
    ----------
    book : positions (columns in the module docstring).
    spot_shifts_pct : spot shifts s, percent (e.g. −20 … +20).
    vol_shifts_pts : volatility shifts v, points (e.g. −10 … +10).
    rate : r′ for every cell (None: each row's own rate).
    days_forward : calendar days from the as-of date to the valuation date.

    Returns
    -------
    PnlGrid: ``cells`` has one row per (s, v), spot-major, with ``GRID_COLUMNS``
    (dollars; ``approximation_error`` = delta-gamma − full); ``book_value`` = Σ exposure;
    ``not_revalued`` = index labels of the positions held at their mark.
    """
    spot_shifts = np.asarray(spot_shifts_pct, dtype=float).reshape(-1)
    vol_shifts = np.asarray(vol_shifts_pts, dtype=float).reshape(-1)
    base = position_greeks(book)
    keep = _revaluable(base)
    rows, g = book[keep], base[keep]
    q_m = rows["quantity"].to_numpy(float) * rows["multiplier"].to_numpy(float)
    spot = rows["spot"].to_numpy(float)
    base_rate = rows["rate"].to_numpy(float)
    new_rate = base_rate if rate is None else np.full_like(base_rate, float(rate))
    is_option = (rows["asset_type"] == "OPTION").to_numpy()

    # axes: (spot shift, vol shift, position)
    d_spot = spot[None, None, :] * spot_shifts[:, None, None] / 100.0
    days = rows["days_to_expiry"].to_numpy(float)
    vol = rows["volatility"].to_numpy(float)
    strike, is_call = rows["strike"].to_numpy(float), (rows["option_type"] == "C").to_numpy()
    with np.errstate(invalid="ignore"):
        base_price = bs_price(spot, strike, days / CALENDAR_DAYS_PER_YEAR, base_rate, vol,
                              is_call)
        shifted_price = bs_price(
            spot[None, None, :] + d_spot, strike,
            (days - days_forward) / CALENDAR_DAYS_PER_YEAR, new_rate,
            np.maximum(vol[None, :] + vol_shifts[:, None] / 100.0, SCENARIO_VOL_FLOOR)[None],
            is_call)
    full = np.where(is_option, q_m * (shifted_price - base_price), q_m * d_spot)

    def position_greek(name: str) -> np.ndarray:
        values: np.ndarray = np.nan_to_num(g[name].to_numpy(float))
        return values  # stocks: 0 for all but delta

    approx = (position_greek("delta") * d_spot + 0.5 * position_greek("gamma") * d_spot**2
              + position_greek("vega") * vol_shifts[None, :, None]
              + position_greek("theta") * days_forward
              + position_greek("rho") * 100.0 * (new_rate - base_rate))
    pnl_full = full.sum(axis=2).reshape(-1)
    pnl_approx = np.broadcast_to(approx, full.shape).sum(axis=2).reshape(-1)
    book_value = float(np.nansum(book["exposure"].to_numpy(float)))
    cells = pd.DataFrame({
        "spot_shift_pct": np.repeat(spot_shifts, len(vol_shifts)),
        "vol_shift_pts": np.tile(vol_shifts, len(spot_shifts)),
        "pnl_full": pnl_full,
        "pnl_delta_gamma": pnl_approx,
        "approximation_error": pnl_approx - pnl_full,
        "value_full": book_value + pnl_full,
        "value_delta_gamma": book_value + pnl_approx,
    })
    return PnlGrid(cells=cells, book_value=book_value, n_revalued=int(keep.sum()),
                   not_revalued=book.index[~keep])
