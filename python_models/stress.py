"""Stress tests: factor shocks propagated to every position, options fully revalued.

Factor moves
------------
A scenario fixes the moves s of a subset S of the seven factors (e.g. ``{"SPY": -0.10}``).
The factors it leaves out move by their expectation given the shocked ones under the
factor covariance F (the "predicted" stress of commercial risk systems)::

    m_S = s,   m_U = F_US F_SS⁻¹ s        (E[f_U | f_S = s] for zero-mean joint normals)

A scenario that sets all seven factors (a historical replay) uses its moves as given.

Propagation
-----------
Each underlying moves by r = b · m with b its *joint* factor exposures
(:mod:`python_models.factor_model`; a factor ETF's b is its unit vector, so SPY moves by
exactly the SPY shock). No alpha and no residual: a stress is the factor part only.

- Stocks / ETFs (``linear``): P&L = exposure · r = q · m · S · r.
- Options (``black_scholes``): full Black–Scholes revaluation, instantaneous (same T):
  P&L = q · m · [BS(S (1 + r), K, T, r_f, σ') − BS(S, K, T, r_f, σ)],
  σ' = max(σ + vol_shift, SCENARIO_VOL_FLOOR). ``vol_shift`` is an absolute change of annualised
  volatility (0.05 = +5 vol points). Both legs use the theoretical price, so a zero
  scenario gives exactly zero P&L. At or after expiry (T ≤ 0) BS is the intrinsic value.
- Options that cannot be priced (no volatility; ``delta_fallback``): P&L =
  delta-adjusted exposure · r (the Greeks' fallback delta of the design), flagged.
- No spot or no factor model for the underlying (``not_computable``): NaN P&L, counted in
  ``n_excluded`` of every aggregate, never 0.

Signs and units: P&L in dollars, positive = gain; ``pnl_fraction`` = P&L / equity.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import scipy.sparse as sp

from python_models.black_scholes import bs_price
from python_models.conventions import SCENARIO_VOL_FLOOR, UNTAGGED

UNKNOWN_SECTOR = "Unknown"  # positions whose sector is not known form their own group
LINEAR, BLACK_SCHOLES, DELTA_FALLBACK, NOT_COMPUTABLE = (
    "linear", "black_scholes", "delta_fallback", "not_computable")
POSITION_INPUTS = ["position_id", "portfolio_id", "symbol", "underlying_symbol", "asset_type",
                   "option_type", "quantity", "multiplier", "spot", "strike", "t_years",
                   "volatility", "rate", "delta_adjusted_exposure"]


def implied_factor_moves(shocks: Mapping[str, float], factor_cov: pd.DataFrame) -> pd.Series:
    """All factor moves for a scenario: the given shocks plus E[f_U | f_S = s].

    Raises ``ValueError`` naming any factor not in ``factor_cov``. Unshocked moves are
    NaN when F is not available (too little history).
    """
    unknown = sorted(set(shocks) - set(factor_cov.index))
    if unknown:
        raise ValueError(f"unknown factor(s) {unknown}; expected any of {list(factor_cov.index)}")
    factors = list(factor_cov.index)
    moves = pd.Series(0.0, index=factors, dtype=float)
    shocked = [f for f in factors if f in shocks]
    if not shocked:
        return moves
    s = np.array([float(shocks[f]) for f in shocked])
    moves[shocked] = s
    free = [f for f in factors if f not in shocks]
    if free:
        f_ss = factor_cov.loc[shocked, shocked].to_numpy(float)
        f_us = factor_cov.loc[free, shocked].to_numpy(float)
        if np.isfinite(f_ss).all() and np.isfinite(f_us).all():
            moves[free] = f_us @ np.linalg.lstsq(f_ss, s, rcond=None)[0]
        else:
            moves[free] = np.nan
    return moves


def _instruments(positions: pd.DataFrame) -> pd.DataFrame:
    """One row per distinct symbol: revaluation inputs are the same across portfolios."""
    cols = ["symbol", "underlying_symbol", "asset_type", "option_type", "spot", "strike",
            "t_years", "volatility", "rate"]
    return positions[cols].drop_duplicates("symbol").reset_index(drop=True)


def _instrument_changes(instruments: pd.DataFrame, loadings: pd.DataFrame, moves: np.ndarray,
                        vol_shift: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Underlying returns r (S × I) and per-unit value changes Δv (S × I)."""
    b = loadings.reindex(instruments["underlying_symbol"]).to_numpy(float)   # I × K
    r = moves @ b.T                                                           # S × I
    spot = instruments["spot"].to_numpy(float)
    change = spot[None, :] * r                                                # stocks
    option = (instruments["asset_type"] == "OPTION").to_numpy()
    if option.any():
        o = instruments[option]
        strike, t_years, rate = (o[c].to_numpy(float) for c in ("strike", "t_years", "rate"))
        vol = o["volatility"].to_numpy(float)
        call = (o["option_type"] == "C").to_numpy()
        s0 = spot[option]
        base = bs_price(s0, strike, t_years, rate, vol, call)
        stressed_vol = np.maximum(vol[None, :] + vol_shift[:, None], SCENARIO_VOL_FLOOR)
        stressed = bs_price(s0[None, :] * (1.0 + r[:, option]), strike, t_years, rate,
                            stressed_vol, call)
        change[:, option] = stressed - base[None, :]
    return r, change


def _methods(positions: pd.DataFrame, loadings: pd.DataFrame) -> np.ndarray:
    """How each position is revalued, from its static inputs (see the module docstring)."""
    spot = positions["spot"].to_numpy(float)
    modelled = np.isfinite(loadings.reindex(positions["underlying_symbol"]).to_numpy(float)
                           ).all(axis=1) & (spot > 0)
    option = (positions["asset_type"] == "OPTION").to_numpy()
    t = positions["t_years"].to_numpy(float)
    vol = positions["volatility"].to_numpy(float)
    priced = (positions["strike"].to_numpy(float) > 0) & (
        (t <= 0) | ((t > 0) & (vol > 0) & np.isfinite(positions["rate"].to_numpy(float))))
    has_delta = np.isfinite(positions["delta_adjusted_exposure"].to_numpy(float))
    return np.select(
        [modelled & ~option, modelled & option & priced, modelled & option & has_delta],
        [LINEAR, BLACK_SCHOLES, DELTA_FALLBACK], NOT_COMPUTABLE)


def _weights(positions: pd.DataFrame, method: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per position: units on Δv (q · m) and dollars on r (fallback dae); 0 if excluded."""
    qm = positions["quantity"].to_numpy(float) * positions["multiplier"].to_numpy(float)
    units = np.where((method == LINEAR) | (method == BLACK_SCHOLES), qm, 0.0)
    linear = np.where(method == DELTA_FALLBACK,
                      positions["delta_adjusted_exposure"].to_numpy(float), 0.0)
    return units, linear


def stress_positions(positions: pd.DataFrame, loadings: pd.DataFrame, moves: pd.DataFrame,
                     vol_shift: pd.Series, assignment: pd.DataFrame | None = None
                     ) -> pd.DataFrame:
    """P&L of every position under every scenario (long frame, scenario-major).

    ``positions``: :data:`POSITION_INPUTS` (``t_years`` = calendar days / 365,
    ``volatility`` and ``rate`` decimals); ``moves``: (scenario × K) full factor moves
    (see :func:`implied_factor_moves`), columns as ``loadings``; ``vol_shift`` per scenario.
    ``assignment`` (``portfolio_id, scenario``), if given, limits each portfolio to its
    own scenarios (a historical replay picks a window per portfolio).
    Returns ``scenario, position_id, portfolio_id, underlying_return, pnl, method``.
    """
    instruments = _instruments(positions)
    m = moves[loadings.columns].to_numpy(float)
    r, change = _instrument_changes(instruments, loadings, m,
                                    vol_shift.reindex(moves.index).to_numpy(float))
    method = _methods(positions, loadings)
    units, linear = _weights(positions, method)
    idx = pd.Index(instruments["symbol"]).get_indexer(positions["symbol"])
    n_s, n_p = len(moves), len(positions)
    if assignment is None:
        s_i, p_i = np.repeat(np.arange(n_s), n_p), np.tile(np.arange(n_p), n_s)
    else:
        rows = pd.DataFrame({"portfolio_id": positions["portfolio_id"].to_numpy(),
                             "p": np.arange(n_p)}).merge(assignment, on="portfolio_id")
        rows["s"] = moves.index.get_indexer(pd.Index(rows["scenario"]))
        rows = rows.sort_values(["s", "p"], kind="stable")
        s_i, p_i = rows["s"].to_numpy(), rows["p"].to_numpy()
    r_sp, change_sp = r[s_i, idx[p_i]], change[s_i, idx[p_i]]
    # excluded positions and scenarios without moves (no F) are NaN, never 0
    pnl = np.where((method[p_i] == NOT_COMPUTABLE) | ~np.isfinite(r_sp), np.nan,
                   units[p_i] * np.nan_to_num(change_sp) + linear[p_i] * np.nan_to_num(r_sp))
    return pd.DataFrame({
        "scenario": moves.index.to_numpy()[s_i],
        "position_id": positions["position_id"].to_numpy()[p_i],
        "portfolio_id": positions["portfolio_id"].to_numpy()[p_i],
        "underlying_return": r_sp,
        "pnl": pnl,
        "method": method[p_i],
    })


def portfolio_stress_matrix(positions: pd.DataFrame, loadings: pd.DataFrame, moves: np.ndarray,
                            vol_shift: np.ndarray) -> tuple[np.ndarray, pd.DataFrame]:
    """Portfolio P&L (S × portfolios) for many scenarios without a per-position frame.

    The same numbers as summing :func:`stress_positions` per portfolio (excluded positions
    add 0), aggregated with one sparse product per weight kind. Returns the matrix and,
    per column, ``portfolio_id, n_positions, n_excluded``; a portfolio whose positions are
    all excluded has NaN P&L.
    """
    instruments = _instruments(positions)
    r, change = _instrument_changes(instruments, loadings, moves, vol_shift)
    method = _methods(positions, loadings)
    units, linear = _weights(positions, method)
    idx = pd.Index(instruments["symbol"]).get_indexer(positions["symbol"])
    portfolios, col = np.unique(positions["portfolio_id"].to_numpy(), return_inverse=True)
    shape = (len(instruments), len(portfolios))
    on_units = sp.csr_matrix((units, (idx, col)), shape=shape)
    on_linear = sp.csr_matrix((linear, (idx, col)), shape=shape)
    total = np.asarray(on_units.T @ np.nan_to_num(change).T
                       + on_linear.T @ np.nan_to_num(r).T).T
    counts = pd.DataFrame({"portfolio_id": portfolios,
                           "n_positions": np.bincount(col, minlength=len(portfolios)),
                           "n_excluded": np.bincount(col, weights=method == NOT_COMPUTABLE,
                                                     minlength=len(portfolios)).astype(int)})
    none_computed = (counts["n_positions"] == counts["n_excluded"]).to_numpy()
    return np.where(none_computed[None, :], np.nan, total), counts


def aggregate_stress(position_pnl: pd.DataFrame, positions: pd.DataFrame, tags: pd.DataFrame,
                     equity: pd.Series) -> pd.DataFrame:
    """Scenario P&L per portfolio in total, per sector and per tag.

    ``position_pnl``: output of :func:`stress_positions`; ``positions``: ``position_id,
    sector`` (NULL → ``Unknown``, its own group); ``tags``: ``position_id, tag_name`` (a
    position with several tags counts in each, untagged ones in ``untagged``).
    Returns ``scenario, portfolio_id, level (total|sector|tag), group_name, pnl,
    pnl_fraction (of equity), n_positions, n_excluded`` — excluded = NaN P&L, left out of
    the sum.
    """
    sector = positions.set_index("position_id")["sector"].fillna(UNKNOWN_SECTOR)
    # categorical keys: the group-bys below factorize small code arrays, not strings
    base = position_pnl[["scenario", "portfolio_id", "position_id", "pnl"]].assign(
        scenario=position_pnl["scenario"].astype("category"),
        sector=position_pnl["position_id"].map(sector).fillna(UNKNOWN_SECTOR).astype(
            "category"))
    tagged = base.merge(tags[["position_id", "tag_name"]], on="position_id", how="left")
    tagged["tag_name"] = tagged["tag_name"].fillna(UNTAGGED).astype("category")
    parts = []
    for level, frame, key in (("total", base.assign(group_name="total"), "group_name"),
                              ("sector", base, "sector"), ("tag", tagged, "tag_name")):
        grouped = frame.groupby(["scenario", "portfolio_id", key], sort=True, observed=True)
        part = grouped["pnl"].agg(["sum", "size", "count"]).reset_index()
        part["sum"] = part["sum"].where(part["count"] > 0)  # all excluded: NaN, never 0
        part = part.rename(columns={key: "group_name", "sum": "pnl", "size": "n_positions",
                                    "count": "n_computed"})
        part["group_name"] = part["group_name"].astype(object)
        part["scenario"] = part["scenario"].astype(object)
        parts.append(part.assign(level=level))
    out = pd.concat(parts, ignore_index=True)
    out["n_excluded"] = out["n_positions"] - out.pop("n_computed")
    eq = out["portfolio_id"].map(equity).astype(float)
    out["pnl_fraction"] = out["pnl"] / eq.where(eq > 0)
    return out[["scenario", "portfolio_id", "level", "group_name", "pnl", "pnl_fraction",
                "n_positions", "n_excluded"]]
