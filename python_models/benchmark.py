"""Benchmark-relative metrics vs SPY, every portfolio at once (empyrical conventions).

Input: a (dates × portfolios) matrix of daily returns r (NaN where a portfolio has no
return) and SPY's daily simple returns b on the same dates. Paired dates are those where
both exist. r_f is the daily risk-free rate, (1 + r_annual)^(1/252) − 1 (as Sharpe).

- ``alpha``, ``beta`` — empyrical ``alpha_beta``: β = Cov(r, b) / Var(b) on paired dates;
  α = (1 + mean(r − r_f − β (b − r_f)))^252 − 1, annualised (decimal per year).
- ``tracking_error`` = std(r − b, ddof 1) · √252 on paired dates (annual decimal).
- ``information_ratio`` = mean(r − b) / std(r − b) · √252 (empyrical ``excess_sharpe``
  annualised by √252).
- ``sortino_ratio`` — empyrical ``sortino_ratio`` with required return r_f, on all the
  portfolio's returns: mean(r − r_f) · 252 / (sqrt(mean(min(r − r_f, 0)²)) · √252).
- ``calmar_ratio`` — empyrical ``calmar_ratio``: CAGR / |max drawdown|, CAGR =
  Π(1 + r)^(252 / n) − 1; NaN without a drawdown.
- ``up_capture`` / ``down_capture`` — empyrical: CAGR of r over the paired dates with
  b > 0 (b < 0) divided by CAGR of b over the same dates.

empyrical is called on the whole matrix where its functions are column-wise NaN-aware
(alpha/beta, excess Sharpe, Sortino, drawdown); CAGR-based figures are computed here per
column over that column's own dates (empyrical's ``annual_return`` counts every row).
Fewer than 20 paired returns (20 returns for Sortino/Calmar) → NaN with
``quality_flag = 'insufficient_data'``.
"""

from __future__ import annotations

import empyrical
import numpy as np
import pandas as pd

from python_models.conventions import (
    BETA_MIN_OBS,
    FLAG_INSUFFICIENT,
    FLAG_OK,
    TRADING_DAYS_PER_YEAR,
    daily_risk_free,
)

RELATIVE_MIN_OBS = BETA_MIN_OBS
RELATIVE_COLUMNS = ["portfolio_id", "n_returns", "n_paired", "alpha", "beta",
                    "tracking_error", "information_ratio", "sortino_ratio", "calmar_ratio",
                    "up_capture", "down_capture", "n_up", "n_down", "risk_free_daily",
                    "quality_flag"]


def annual_return(matrix: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Column-wise CAGR over the masked rows: Π(1 + r)^(252 / n) − 1; NaN where n = 0."""
    n = mask.sum(axis=0)
    growth = np.prod(np.where(mask, 1.0 + np.nan_to_num(matrix), 1.0), axis=0)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        out = growth ** (TRADING_DAYS_PER_YEAR / n) - 1.0
    return np.asarray(np.where(n > 0, out, np.nan), dtype=float)


def _capture(r: np.ndarray, b: np.ndarray, mask: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio: np.ndarray = annual_return(r, mask) / annual_return(b, mask)
    return ratio


def benchmark_relative(returns: pd.DataFrame, benchmark: pd.Series,
                       annual_risk_free: float) -> pd.DataFrame:
    """One row per portfolio with :data:`RELATIVE_COLUMNS` (see the module docstring)."""
    r = returns.to_numpy(float)
    b_1d = benchmark.reindex(returns.index).to_numpy(float)
    b = np.broadcast_to(b_1d[:, None], r.shape)
    present = ~np.isnan(r)
    paired = present & ~np.isnan(b)
    r_paired = np.where(paired, r, np.nan)
    b_paired = np.where(paired, b, np.nan)
    rf = daily_risk_free(annual_risk_free)
    n, n_paired = present.sum(axis=0), paired.sum(axis=0)
    enough, enough_paired = n >= RELATIVE_MIN_OBS, n_paired >= RELATIVE_MIN_OBS
    with np.errstate(invalid="ignore", divide="ignore"):
        alpha_beta = empyrical.alpha_beta_aligned(r_paired, b_paired, risk_free=rf)
        active = r_paired - b_paired
        tracking = np.nanstd(active, axis=0, ddof=1) * np.sqrt(TRADING_DAYS_PER_YEAR)
        info = empyrical.excess_sharpe(r_paired, b_paired) * np.sqrt(TRADING_DAYS_PER_YEAR)
        sortino = empyrical.sortino_ratio(r, required_return=rf)
        drawdown = empyrical.max_drawdown(r)
        calmar = annual_return(r, present) / np.abs(drawdown)
    calmar = np.where((drawdown < 0) & np.isfinite(calmar), calmar, np.nan)
    up, down = paired & (b > 0), paired & (b < 0)
    out = pd.DataFrame({
        "portfolio_id": returns.columns.to_numpy(),
        "n_returns": n.astype(np.int64), "n_paired": n_paired.astype(np.int64),
        "alpha": np.where(enough_paired, alpha_beta[..., 0], np.nan),
        "beta": np.where(enough_paired, alpha_beta[..., 1], np.nan),
        "tracking_error": np.where(enough_paired, tracking, np.nan),
        "information_ratio": np.where(enough_paired, info, np.nan),
        "sortino_ratio": np.where(enough, sortino, np.nan),
        "calmar_ratio": np.where(enough, calmar, np.nan),
        "up_capture": np.where(enough_paired, _capture(r, b, up), np.nan),
        "down_capture": np.where(enough_paired, _capture(r, b, down), np.nan),
        "n_up": up.sum(axis=0).astype(np.int64), "n_down": down.sum(axis=0).astype(np.int64),
        "risk_free_daily": rf,
        "quality_flag": np.where(enough_paired & enough, FLAG_OK, FLAG_INSUFFICIENT),
    })
    return out[RELATIVE_COLUMNS]
