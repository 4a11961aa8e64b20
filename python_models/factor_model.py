"""Factor risk model: factor covariance and joint multi-factor exposures.

Which betas, where
------------------
The design's per-factor betas (:mod:`python_models.betas`) are *univariate*:
β_f = Cov(r_s, r_f) / Var(r_f), one regression per factor. They answer "how does this
stock move with SPY alone" and are what ``/risk/factors`` shows. The seven factor ETFs are
strongly collinear (each holds most of the market), so adding univariate betas across
factors counts the market several times. The **risk model** and the **stress engine** use
the *joint* regression instead, one per security on all seven factors at once::

    r_s,t = a_s + Σ_k b_s,k f_k,t + ε_s,t          (OLS with intercept)

so that b_s is the security's exposure to each factor *holding the others fixed* and
r_s ≈ b_sᵀ f is a consistent linear model of the security.

Window and data
---------------
The last ``FACTOR_WINDOW_RETURNS`` (60) daily simple returns. The factor covariance uses
the sessions on which **all seven** factors have a return (complete cases, so F is
positive semi-definite); a security's regression uses those sessions on which it also has
a return. Fewer than ``FACTOR_MIN_OBS`` (20) such sessions → NaN numbers with
``quality_flag = 'insufficient_data'`` (never 0); a rank-deficient design (a factor
constant over the sessions) → ``'singular_design'``.

Units
-----
- ``F = cov(f) · 252`` — annualised covariance of daily factor returns, sample ddof = 1
  (``numpy.cov``); ``C`` the matching correlation matrix.
- ``b_s,k`` — dimensionless (a return per unit factor return); ``alpha`` daily decimal.
- Specific variance σ²_ε,s = SSR_s / (n_s − K − 1) · 252 (the residual variance with the
  regression's degrees of freedom, statsmodels' ``mse_resid``, annualised).
- A factor ETF's own exposure vector is its unit vector and its specific variance 0 by
  definition (its return *is* the factor return; the regression gives the same up to
  round-off), so a shock of −10 % to SPY moves SPY by exactly −10 %.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from python_models.conventions import (
    BETA_MIN_OBS,
    BETA_WINDOW_RETURNS,
    COVARIANCE_DDOF,
    FLAG_INSUFFICIENT,
    FLAG_OK,
    TRADING_DAYS_PER_YEAR,
)

FACTOR_WINDOW_RETURNS = BETA_WINDOW_RETURNS  # 60 returns, the betas' window
FACTOR_MIN_OBS = BETA_MIN_OBS  # 20 complete sessions
FLAG_SINGULAR = "singular_design"
# Relative singular-value cut-off below which the regression design is rank deficient.
RANK_RTOL = 1e-10


@dataclass(frozen=True)
class FactorCovariance:
    """Annualised factor covariance ``cov`` and correlation ``corr`` (K × K frames),
    the number of complete sessions ``n_obs`` used, their dates and a quality flag."""

    cov: pd.DataFrame
    corr: pd.DataFrame
    n_obs: int
    dates: pd.Index
    quality_flag: str


def factor_covariance(factor_returns: pd.DataFrame, window: int = FACTOR_WINDOW_RETURNS,
                      min_obs: int = FACTOR_MIN_OBS) -> FactorCovariance:
    """Annualised covariance and correlation of the factor returns over the window.

    F = numpy.cov(f over the complete sessions among the last ``window`` rows, ddof=1) · 252,
    C_kl = F_kl / sqrt(F_kk F_ll). NaN matrices with ``insufficient_data`` below
    ``min_obs`` sessions.
    """
    tail = factor_returns.iloc[-window:]
    complete = tail.dropna(how="any")
    names = factor_returns.columns
    nan = pd.DataFrame(np.nan, index=names, columns=names)
    if len(complete) < min_obs:
        return FactorCovariance(nan, nan.copy(), len(complete), complete.index,
                                FLAG_INSUFFICIENT)
    values = complete.to_numpy(float)
    cov = np.cov(values, rowvar=False, ddof=COVARIANCE_DDOF) * TRADING_DAYS_PER_YEAR
    sd = np.sqrt(np.diag(cov))
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = cov / np.outer(sd, sd)
    return FactorCovariance(pd.DataFrame(cov, index=names, columns=names),
                            pd.DataFrame(corr, index=names, columns=names),
                            len(complete), complete.index, FLAG_OK)


def multi_factor_exposures(security_returns: pd.DataFrame, factor_returns: pd.DataFrame,
                           window: int = FACTOR_WINDOW_RETURNS,
                           min_obs: int = FACTOR_MIN_OBS) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Joint OLS (with intercept) of every security on all factors at once.

    Parameters
    ----------
    security_returns : (dates × securities) daily simple returns, NaN where missing.
    factor_returns : (same dates × K factors) daily simple returns.
    window, min_obs : last ``window`` rows; fewer usable rows than ``min_obs`` → NaN.

    Returns
    -------
    loadings : (securities × factors) frame of b_s,k (NaN where not estimable).
    stats : one row per security: ``alpha`` (daily), ``specific_variance`` (annualised,
        SSR / (n − K − 1) · 252), ``specific_volatility`` (its square root), ``r_squared``,
        ``n_obs`` and ``quality_flag``.

    Notes
    -----
    Vectorised over securities: each security's design rows are [1, f_t] on the sessions
    where it and every factor have a return; rows outside that mask are zeroed in both
    the design and the response (which removes them from the least-squares problem), and
    the batch of (n_rows × (K + 1)) problems is solved by one stacked SVD
    (b = V Σ⁻¹ Uᵀ y, the pseudo-inverse solution statsmodels uses).
    """
    y_frame = security_returns.iloc[-window:]
    x = factor_returns.reindex(y_frame.index).to_numpy(float)
    y = y_frame.to_numpy(float)
    n_fac = x.shape[1]
    mask = ~np.isnan(y) & ~np.isnan(x).any(axis=1)[:, None]          # T × N
    design = np.column_stack([np.ones(len(x)), np.nan_to_num(x)])      # T × (K+1)
    stacked = design[None, :, :] * mask.T[:, :, None]                  # N × T × (K+1)
    response = np.where(mask, y, 0.0).T                                # N × T
    u, s, vt = np.linalg.svd(stacked, full_matrices=False)
    full_rank = (s > RANK_RTOL * s[:, :1]).all(axis=1) & (s[:, -1] > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        inv_s = np.where(s > RANK_RTOL * s[:, :1], 1.0 / s, 0.0)
    coef = np.einsum("njk,nj,ntj,nt->nk", vt, inv_s, u, response, optimize=True)
    fitted = np.einsum("ntk,nk->nt", stacked, coef)
    residual = np.where(mask.T, response - fitted, 0.0)
    n = mask.sum(axis=0)
    ssr = (residual ** 2).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean_y = response.sum(axis=1) / n
        sst = (np.where(mask.T, response - mean_y[:, None], 0.0) ** 2).sum(axis=1)
        specific = ssr / (n - n_fac - 1) * TRADING_DAYS_PER_YEAR
        r_squared = 1.0 - ssr / sst
    enough = n >= max(min_obs, n_fac + 2)
    valid = enough & full_rank
    flag = np.where(~enough, FLAG_INSUFFICIENT, np.where(~full_rank, FLAG_SINGULAR, FLAG_OK))
    betas = np.where(valid[:, None], coef[:, 1:], np.nan)
    names = list(security_returns.columns)
    loadings = pd.DataFrame(betas, index=pd.Index(names, name="symbol"),
                            columns=factor_returns.columns)
    stats = pd.DataFrame({
        "alpha": np.where(valid, coef[:, 0], np.nan),
        "specific_variance": np.where(valid, specific, np.nan),
        "r_squared": np.where(valid, r_squared, np.nan),
        "n_obs": n.astype(np.int64),
        "quality_flag": flag,
    }, index=loadings.index)
    _pin_factor_etfs(loadings, stats)
    stats.insert(2, "specific_volatility", np.sqrt(stats["specific_variance"]))
    return loadings, stats


def _pin_factor_etfs(loadings: pd.DataFrame, stats: pd.DataFrame) -> None:
    """A factor ETF regressed on the factors is its own unit vector with no residual."""
    for factor in loadings.columns.intersection(loadings.index):
        if stats.at[factor, "quality_flag"] != FLAG_OK:
            continue
        loadings.loc[factor] = (loadings.columns == factor).astype(float)
        stats.loc[factor, ["alpha", "specific_variance"]] = 0.0
        stats.at[factor, "r_squared"] = 1.0
