"""Correlation matrix of the book's securities and its most correlated pairs.

ρ_ij = Σ_ij / sqrt(Σ_ii Σ_jj) from the pairwise-complete sample covariance of daily simple
returns over the last 60 sessions, pairwise complete like ``DataFrame.corr``: each pair's
means and variances are taken over the dates both returns exist (the centred moments of
:mod:`python_models.betas`). A pair with fewer than 20 common
returns, or a security with zero variance, is NaN — never 0.

Top pairs: for each portfolio, every unordered pair of distinct underlyings it holds,
ranked by |ρ| (largest first; the sign is kept), the first ``n_top`` kept.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from python_models.betas import _pairwise_sums
from python_models.factor_model import FACTOR_MIN_OBS, FACTOR_WINDOW_RETURNS

TOP_PAIRS = 10
ZERO_SUM_OF_SQUARES = 1e-30  # round-off-level variance is zero variance (as in betas)
PAIR_COLUMNS = ["portfolio_id", "rank", "symbol_a", "symbol_b", "correlation", "n_obs"]


def correlation_matrix(returns: pd.DataFrame, window: int = FACTOR_WINDOW_RETURNS,
                       min_obs: int = FACTOR_MIN_OBS) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Pairwise correlation (symbols × symbols) over the last ``window`` rows, and n_ij."""
    tail = returns.iloc[-window:].to_numpy(float)
    moments = _pairwise_sums(tail, tail)
    n = moments["n"]
    # s_xx and s_yy are each pair's own sums of squares over the common dates
    s_xx, s_yy = moments["s_xx"], moments["s_yy"]
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = moments["s_xy"] / np.sqrt(s_xx * s_yy)
    corr = np.where((n >= min_obs) & (s_xx > ZERO_SUM_OF_SQUARES)
                    & (s_yy > ZERO_SUM_OF_SQUARES), corr, np.nan)
    np.fill_diagonal(corr, np.where(np.diag(corr) > 0, 1.0, np.nan))
    symbols = pd.Index(returns.columns, name="symbol")
    return (pd.DataFrame(np.clip(corr, -1.0, 1.0), index=symbols, columns=symbols),
            pd.DataFrame(n.astype(np.int64), index=symbols, columns=symbols))


def top_correlated_pairs(holdings: pd.DataFrame, corr: pd.DataFrame, n_obs: pd.DataFrame,
                         n_top: int = TOP_PAIRS) -> pd.DataFrame:
    """The ``n_top`` pairs with the largest |ρ| per portfolio (set-based, no loops).

    ``holdings``: ``portfolio_id, underlying_symbol`` (duplicates allowed).
    Returns :data:`PAIR_COLUMNS`; ``rank`` starts at 1; NaN pairs are left out.
    """
    held = holdings[["portfolio_id", "underlying_symbol"]].drop_duplicates()
    held = held[held["underlying_symbol"].isin(corr.index)]
    position = pd.Series(np.arange(len(corr.index)), index=corr.index)
    held = held.assign(i=held["underlying_symbol"].map(position).to_numpy())
    pairs = held.merge(held, on="portfolio_id", suffixes=("_a", "_b"))
    pairs = pairs[pairs["i_a"] < pairs["i_b"]]
    ia, ib = pairs["i_a"].to_numpy(), pairs["i_b"].to_numpy()
    out = pd.DataFrame({
        "portfolio_id": pairs["portfolio_id"].to_numpy(),
        "symbol_a": pairs["underlying_symbol_a"].to_numpy(),
        "symbol_b": pairs["underlying_symbol_b"].to_numpy(),
        "correlation": corr.to_numpy()[ia, ib],
        "n_obs": n_obs.to_numpy()[ia, ib],
    }).dropna(subset=["correlation"])
    out["strength"] = out["correlation"].abs()
    out = out.sort_values(["portfolio_id", "strength", "symbol_a", "symbol_b"],
                          ascending=[True, False, True, True], kind="stable")
    out["rank"] = out.groupby("portfolio_id").cumcount() + 1
    out = out[out["rank"] <= n_top]
    return out[PAIR_COLUMNS].reset_index(drop=True)
