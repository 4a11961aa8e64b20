"""Factor betas: univariate OLS with intercept, every security × factor at once.

For security s and factor f, over the dates where both returns exist (pairwise):

    r_s,t = α + β r_f,t + ε_t
    β   = S_xy / S_xx = Cov(r_s, r_f) / Var(r_f)
    α   = ȳ − β x̄
    SSR = S_yy − β S_xy,   σ̂² = SSR / (n − 2)
    SE(β) = sqrt(σ̂² / S_xx),   t = β / SE(β),   R² = S_xy² / (S_xx S_yy)

with x = r_f, y = r_s and S_xy = Σ (x − x̄)(y − ȳ) over the n paired dates. These are
statsmodels ``OLS(y, add_constant(x))``'s ``params``, ``bse``, ``tvalues`` and
``rsquared``. The sums are NaN-masked matrix products (one product per moment for all
pairs); the columns are centred on their own means first to avoid cancellation.
A perfect fit (SE = 0, e.g. SPY on itself) has a NULL t-stat.
Fewer than ``min_obs`` pairs → every number NULL with ``quality_flag =
'insufficient_data'`` (never 0); a factor with zero variance → ``'zero_factor_variance'``.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from python_models.conventions import (
    BETA_MIN_OBS,
    COVARIANCE_DDOF,
    FLAG_INSUFFICIENT,
    FLAG_OK,
    FLAG_ZERO_VARIANCE,
)

BETA_COLUMNS = ["symbol", "factor", "beta", "alpha", "std_error", "t_stat", "r_squared",
                "n_obs", "quality_flag"]


def simple_returns(closes: pd.DataFrame) -> pd.DataFrame:
    """Simple returns p_t / p_{t−1} − 1 of a (sessions × symbols) close matrix.

    Rows must be consecutive sessions; a missing close gives NaN returns (no bridging).
    """
    values = closes.to_numpy(float)
    out = np.full_like(values, np.nan)
    out[1:] = values[1:] / values[:-1] - 1.0
    return pd.DataFrame(out, index=closes.index, columns=closes.columns)


def _pairwise_sums(y: np.ndarray, x: np.ndarray) -> dict[str, np.ndarray]:
    """Centred pairwise moments of every column of y (T×N) with every column of x (T×K)."""
    my, mx = ~np.isnan(y), ~np.isnan(x)
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns: mean NaN
        centre_y = np.nan_to_num(np.nanmean(y, axis=0))
        centre_x = np.nan_to_num(np.nanmean(x, axis=0))
    yc = np.where(my, y - centre_y, 0.0)
    xc = np.where(mx, x - centre_x, 0.0)
    iy, ix = my.astype(float), mx.astype(float)
    n = iy.T @ ix
    sy, sx = yc.T @ ix, iy.T @ xc
    with np.errstate(invalid="ignore", divide="ignore"):
        s_xy = yc.T @ xc - sx * sy / n
        s_xx = iy.T @ (xc * xc) - sx * sx / n
        s_yy = (yc * yc).T @ ix - sy * sy / n
        mean_y = sy / n + centre_y[:, None]
        mean_x = sx / n + centre_x[None, :]
    return {"n": n, "s_xy": s_xy, "s_xx": s_xx, "s_yy": s_yy, "mean_y": mean_y,
            "mean_x": mean_x}


def ols_betas(security_returns: pd.DataFrame, factor_returns: pd.DataFrame,
              min_obs: int = BETA_MIN_OBS) -> pd.DataFrame:
    """β, α, SE(β), t, R² and n for every (security, factor) pair, long format.

    Parameters
    ----------
    security_returns : (dates × securities) simple daily returns, NaN where missing.
    factor_returns : (same dates × factors) simple daily returns.
    min_obs : fewer paired returns than this → NULL numbers + ``insufficient_data``.

    Returns
    -------
    DataFrame with :data:`BETA_COLUMNS`, one row per security × factor (security-major).
    ``alpha`` is the intercept (daily, decimal).
    """
    y = security_returns.to_numpy(float)
    x = factor_returns.reindex(security_returns.index).to_numpy(float)
    mom = _pairwise_sums(y, x)
    n, s_xy, s_xx, s_yy = mom["n"], mom["s_xy"], mom["s_xx"], mom["s_yy"]
    enough = n >= min_obs
    # S_xx is a sum of squares: treat round-off-level values as exactly zero variance.
    scale = np.maximum(s_xx, 0.0)
    variance_ok = scale > 1e-30
    valid = enough & variance_ok
    with np.errstate(invalid="ignore", divide="ignore"):
        beta = s_xy / s_xx
        alpha = mom["mean_y"] - beta * mom["mean_x"]
        ssr = np.maximum(s_yy - beta * s_xy, 0.0)
        std_error = np.sqrt(ssr / (n - 2) / s_xx)
        # a perfect fit (e.g. the ETF against itself) has SE = 0 up to round-off:
        # t is then undefined and stored as NULL rather than ±inf
        t_stat = np.where(std_error > 0, beta / std_error, np.nan)
        r_squared = s_xy * s_xy / (s_xx * s_yy)
    flag = np.where(~enough, FLAG_INSUFFICIENT, np.where(~variance_ok, FLAG_ZERO_VARIANCE,
                                                          FLAG_OK))
    n_sec, n_fac = n.shape
    out = pd.DataFrame({
        "symbol": np.repeat(np.asarray(security_returns.columns, dtype=object), n_fac),
        "factor": np.tile(np.asarray(factor_returns.columns, dtype=object), n_sec),
    })
    for name, values in (("beta", beta), ("alpha", alpha), ("std_error", std_error),
                         ("t_stat", t_stat), ("r_squared", r_squared)):
        out[name] = np.where(valid, values, np.nan).ravel()
    out["n_obs"] = n.astype(np.int64).ravel()
    out["quality_flag"] = flag.ravel()
    return out[BETA_COLUMNS]


def pairwise_covariance(returns: pd.DataFrame, min_obs: int = 2,
                        ddof: int = COVARIANCE_DDOF) -> tuple[np.ndarray, np.ndarray]:
    """Pairwise-complete sample covariance (like ``DataFrame.cov``); returns (Σ, n).

    Σ_ij = Σ_t (r_i − r̄_i)(r_j − r̄_j) / (n_ij − ddof) over the n_ij dates where both
    returns exist, means taken over those same dates; NaN where n_ij < ``min_obs``.
    """
    values = returns.to_numpy(float)
    mom = _pairwise_sums(values, values)
    with np.errstate(invalid="ignore", divide="ignore"):
        cov = mom["s_xy"] / (mom["n"] - ddof)
    return np.where(mom["n"] >= min_obs, cov, np.nan), mom["n"]
