"""Portfolio risk decomposition with the factor model, every portfolio at once.

Inputs are the joint multi-factor exposures b_s (not the univariate betas; see
:mod:`python_models.factor_model` for why), the annualised factor covariance F and the
annualised specific variances σ²_ε,s. For portfolio p with delta-adjusted dollar exposure
x_p,s to security s (positions summed per underlying first: a stock and its options share
one residual, so their exposures add before squaring)::

    B_p        = Σ_s x_p,s b_s                      dollar factor exposures (K)
    factor     = B_pᵀ F B_p                         $² per year
    specific   = Σ_s x_p,s² σ²_ε,s                  $² per year (residuals uncorrelated)
    total      = factor + specific
    risk       = sqrt(variance)                     annualised dollar volatility

Euler contributions per factor: c_p,k = B_p,k (F B_p)_k, so Σ_k c_p,k = factor variance;
``risk_contribution`` = c_p,k / sqrt(factor) sums to the factor risk and
``share_of_factor_risk`` = c_p,k / factor sums to 1. A contribution can be negative (a
factor that hedges the others). Fractions of equity divide the dollar risks by equity.

A security without a usable model (NaN exposures or specific variance) is left out; its
dollars are reported in ``excluded_exposure`` and counted in ``n_securities_excluded``.
A portfolio with no modelled security has NaN figures and ``quality_flag =
'insufficient_data'``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from python_models.conventions import FLAG_INSUFFICIENT, FLAG_OK

RISK_COLUMNS = ["portfolio_id", "equity", "factor_variance", "specific_variance",
                "total_variance", "factor_risk", "specific_risk", "total_risk",
                "factor_risk_fraction", "specific_risk_fraction", "total_risk_fraction",
                "n_securities", "n_securities_excluded", "excluded_exposure", "quality_flag"]
CONTRIBUTION_COLUMNS = ["portfolio_id", "factor", "dollar_exposure", "exposure",
                        "variance_contribution", "risk_contribution", "share_of_factor_risk"]


def security_exposures(holdings: pd.DataFrame) -> pd.DataFrame:
    """Sum ``delta_adjusted_exposure`` per (portfolio_id, underlying_symbol) → ``x``."""
    return (holdings.groupby(["portfolio_id", "underlying_symbol"], sort=True)
            ["delta_adjusted_exposure"].sum(min_count=1).rename("x").reset_index())


def portfolio_factor_risk(holdings: pd.DataFrame, loadings: pd.DataFrame,
                          specific_variance: pd.Series, factor_cov: pd.DataFrame,
                          equity: pd.Series) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Factor, specific and total risk per portfolio plus Euler contributions per factor.

    Parameters
    ----------
    holdings : ``portfolio_id, underlying_symbol, delta_adjusted_exposure`` (dollars), one
        row per position.
    loadings : (symbols × K) joint exposures b_s,k.
    specific_variance : annualised σ²_ε per symbol.
    factor_cov : (K × K) annualised F, columns in the order of ``loadings``.
    equity : equity per portfolio_id (dollars) for the fractions.

    Returns
    -------
    (risk, contributions) with :data:`RISK_COLUMNS` (one row per portfolio) and
    :data:`CONTRIBUTION_COLUMNS` (one row per portfolio × factor; ``exposure`` =
    dollar_exposure / equity).
    """
    factors = list(loadings.columns)
    f = factor_cov.loc[factors, factors].to_numpy(float)
    x = security_exposures(holdings)
    b = loadings.reindex(x["underlying_symbol"]).to_numpy(float)
    spec = specific_variance.reindex(x["underlying_symbol"]).to_numpy(float)
    xs = x["x"].to_numpy(float)
    modelled = np.isfinite(b).all(axis=1) & np.isfinite(spec) & np.isfinite(xs)
    weighted = pd.DataFrame(np.where(modelled[:, None], b * xs[:, None], 0.0), columns=factors)
    weighted["specific"] = np.where(modelled, xs * xs * spec, 0.0)
    weighted["modelled"] = modelled
    weighted["excluded_exposure"] = np.where(modelled, 0.0, np.nan_to_num(xs))
    weighted["portfolio_id"] = x["portfolio_id"].to_numpy()
    sums = weighted.groupby("portfolio_id", sort=True).agg(
        **{k: (k, "sum") for k in [*factors, "specific", "excluded_exposure"]},
        n_modelled=("modelled", "sum"), n_securities=("modelled", "size"))
    big_b = sums[factors].to_numpy(float)                                    # P × K
    fb = big_b @ f
    contribution = big_b * fb
    factor_var = contribution.sum(axis=1)
    covered = sums["n_modelled"].to_numpy() > 0
    factor_var = np.where(covered, factor_var, np.nan)
    specific_var = np.where(covered, sums["specific"].to_numpy(float), np.nan)
    total_var = factor_var + specific_var
    eq = equity.reindex(sums.index).to_numpy(float)
    risk = pd.DataFrame({"portfolio_id": sums.index.to_numpy(), "equity": eq,
                         "factor_variance": factor_var, "specific_variance": specific_var,
                         "total_variance": total_var})
    with np.errstate(invalid="ignore", divide="ignore"):
        for part in ("factor", "specific", "total"):
            risk[f"{part}_risk"] = np.sqrt(np.maximum(risk[f"{part}_variance"], 0.0))
            risk[f"{part}_risk_fraction"] = risk[f"{part}_risk"] / np.where(eq > 0, eq, np.nan)
        factor_sd = np.sqrt(np.maximum(factor_var, 0.0))[:, None]
        risk_contribution = np.where(factor_sd > 0, contribution / factor_sd, np.nan)
        share = np.where(factor_var[:, None] > 0, contribution / factor_var[:, None], np.nan)
        exposure_frac = big_b / np.where(eq > 0, eq, np.nan)[:, None]
    risk["n_securities"] = sums["n_securities"].to_numpy(np.int64)
    risk["n_securities_excluded"] = risk["n_securities"] - sums["n_modelled"].to_numpy(np.int64)
    risk["excluded_exposure"] = sums["excluded_exposure"].to_numpy(float)
    risk["quality_flag"] = np.where(covered, FLAG_OK, FLAG_INSUFFICIENT)
    n_p, n_k = big_b.shape
    contributions = pd.DataFrame({
        "portfolio_id": np.repeat(sums.index.to_numpy(), n_k),
        "factor": np.tile(np.asarray(factors, dtype=object), n_p),
        "dollar_exposure": np.where(covered[:, None], big_b, np.nan).ravel(),
        "exposure": np.where(covered[:, None], exposure_frac, np.nan).ravel(),
        "variance_contribution": np.where(covered[:, None], contribution, np.nan).ravel(),
        "risk_contribution": risk_contribution.ravel(),
        "share_of_factor_risk": share.ravel(),
    })
    return risk[RISK_COLUMNS], contributions[CONTRIBUTION_COLUMNS]
