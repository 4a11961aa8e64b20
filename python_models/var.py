"""Parametric (delta-normal) VaR, 95 %, 1 day, with Euler component VaR.

For one portfolio, x is the vector of today's delta-adjusted dollar exposures summed
per underlying security (options enter through their underlying's row), Σ the sample
covariance (ddof = 1) of the securities' daily simple returns over the last 60
sessions. Then

    σ_p  = sqrt(xᵀ Σ x)                      (dollars, 1 day)
    VaR  = z · σ_p,  z = 1.645               (positive dollar loss, 95 %, 1 day)
    mVaR_j = z · (Σ x)_j / σ_p               (marginal VaR per $1 more in security j)
    cVaR_j = x_j · mVaR_j                    (Euler: Σ_j cVaR_j = VaR exactly)

A position i on underlying j gets cVaR_i = dae_i · mVaR_j, so the positions of one
underlying share its component in proportion to their exposures and the per-position
components also sum to VaR. A tag's component is the sum over the positions carrying
it; a position with several tags counts in each (tag sums can then exceed VaR), and
positions without a tag form the ``untagged`` bucket.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from python_models.conventions import UNTAGGED, VAR_Z


def parametric_var(exposures: np.ndarray, cov: np.ndarray,
                   z: float = VAR_Z) -> dict[str, np.ndarray]:
    """VaR of every portfolio at once.

    Parameters
    ----------
    exposures : (portfolios × securities) dollar exposures x (0 where not held).
    cov : (securities × securities) covariance of daily returns, no NaN.
    z : the normal quantile (1.645 for 95 %).

    Returns
    -------
    dict: ``sigma`` (P,) dollars, ``var`` (P,) = z σ, ``marginal`` (P × N) = z Σx / σ,
    ``component`` (P × N) = x · marginal. NaN where σ = 0.
    """
    x = np.atleast_2d(np.asarray(exposures, dtype=float))
    sigma_x = x @ np.asarray(cov, dtype=float)
    variance = np.einsum("pn,pn->p", x, sigma_x)
    sigma = np.sqrt(np.maximum(variance, 0.0))
    with np.errstate(invalid="ignore", divide="ignore"):
        marginal = np.where(sigma[:, None] > 0, z * sigma_x / sigma[:, None], np.nan)
    return {"sigma": sigma, "var": np.where(sigma > 0, z * sigma, np.nan),
            "marginal": marginal, "component": x * marginal}


def tag_components(positions: pd.DataFrame, tags: pd.DataFrame) -> pd.DataFrame:
    """Component VaR per portfolio per tag.

    ``positions``: ``position_id, portfolio_id, component_var``; ``tags``:
    ``position_id, tag_id, tag_name`` (one row per position–tag pair). Returns
    ``portfolio_id, tag_id (NULL for untagged), tag_name, component_var, n_positions``.
    """
    tagged = positions.merge(tags[["position_id", "tag_id", "tag_name"]], on="position_id",
                             how="left")
    tagged["tag_name"] = tagged["tag_name"].fillna(UNTAGGED)
    tagged["tag_id"] = tagged["tag_id"].astype("Int64")
    out = (tagged.groupby(["portfolio_id", "tag_name"], dropna=False, sort=True)
           .agg(tag_id=("tag_id", "first"), component_var=("component_var", "sum"),
                n_positions=("position_id", "nunique"))
           .reset_index())
    return out[["portfolio_id", "tag_id", "tag_name", "component_var", "n_positions"]]
