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

from python_models.betas import pairwise_covariance
from python_models.conventions import (
    UNTAGGED,
    VAR_CONFIDENCE,
    VAR_HORIZON_DAYS,
    VAR_MIN_OBS,
    VAR_WINDOW_RETURNS,
    VAR_Z,
)


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


def var_covariance(returns: pd.DataFrame) -> tuple[np.ndarray, list[str]]:
    """Σ of the VaR window and the securities it covers.

    ``returns``: sessions × securities of daily returns over the VaR window (60 sessions).
    A security enters Σ only with ≥ 20 returns; a pair of usable securities with < 20
    overlapping returns gets covariance 0. Returns (Σ, the usable securities in order).
    """
    symbols = list(returns.columns)
    cov, n_pairs = pairwise_covariance(returns, min_obs=VAR_MIN_OBS)
    usable = np.diag(n_pairs) >= VAR_MIN_OBS if symbols else np.zeros(0, bool)
    return (np.nan_to_num(cov[np.ix_(usable, usable)]),
            [s for s, ok in zip(symbols, usable, strict=True) if ok])


def portfolio_var(metrics: pd.DataFrame, exposures: pd.DataFrame, cov: np.ndarray,
                  var_symbols: list[str],
                  tags: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Parametric VaR of every portfolio of ``metrics`` and its components.

    Parameters
    ----------
    metrics : one row per portfolio (``portfolio_id``, ``portfolio_value``), in the order
        the VaR rows are wanted.
    exposures : per position ``position_id, portfolio_id, symbol, underlying_symbol,
        delta_adjusted_exposure`` (dollars).
    cov, var_symbols : from :func:`var_covariance`.
    tags : ``position_id, tag_id, tag_name``.

    Returns
    -------
    (metrics with ``parametric_sigma``, ``parametric_var_95`` (dollars, positive loss),
    ``parametric_var_95_fraction`` (of V where V > 0), ``var_z``, ``var_window_returns``,
    ``var_n_securities``, ``var_n_positions_excluded``, ``confidence``, ``horizon_days``;
    component rows per position and per tag with ``share_of_var``).

    A position whose underlying is not in ``var_symbols``, or whose delta-adjusted
    exposure is NULL, is excluded (and counted).
    """
    portfolio_ids = metrics["portfolio_id"].tolist()
    pos = exposures[["position_id", "portfolio_id", "symbol", "underlying_symbol",
                     "delta_adjusted_exposure"]].copy()
    pos["j"] = pos["underlying_symbol"].map({s: i for i, s in enumerate(var_symbols)})
    pos["p"] = pos["portfolio_id"].map({p: i for i, p in enumerate(portfolio_ids)})
    included = pos["j"].notna() & pos["delta_adjusted_exposure"].notna()
    inc = pos[included]
    rows, cols = inc["p"].to_numpy(int), inc["j"].to_numpy(int)
    x = np.zeros((len(portfolio_ids), len(var_symbols)))
    np.add.at(x, (rows, cols), inc["delta_adjusted_exposure"].to_numpy(float))
    result = parametric_var(x, cov) if var_symbols else {
        "sigma": np.full(len(portfolio_ids), np.nan), "var": np.full(len(portfolio_ids), np.nan),
        "marginal": np.zeros((len(portfolio_ids), 0))}
    marginal = np.full(len(pos), np.nan)
    marginal[included.to_numpy()] = result["marginal"][rows, cols]
    pos["marginal_var"] = marginal
    pos["component_var"] = pos["delta_adjusted_exposure"] * pos["marginal_var"]
    positive_value = metrics["portfolio_value"].where(metrics["portfolio_value"] > 0)
    metrics = metrics.assign(
        parametric_sigma=result["sigma"], parametric_var_95=result["var"],
        parametric_var_95_fraction=result["var"] / positive_value, var_z=VAR_Z,
        var_window_returns=VAR_WINDOW_RETURNS, var_n_securities=(x != 0).sum(axis=1),
        var_n_positions_excluded=metrics["portfolio_id"].map(
            (~included).groupby(pos["portfolio_id"]).sum()).fillna(0).astype(int),
        confidence=VAR_CONFIDENCE, horizon_days=VAR_HORIZON_DAYS)
    return metrics, _components(pos, tags, pd.Series(result["var"], index=portfolio_ids))


def _components(pos: pd.DataFrame, tags: pd.DataFrame, total: pd.Series) -> pd.DataFrame:
    """Component rows per position and per tag, each with its share of the total VaR."""
    position_rows = pos.assign(
        component_level="position",
        component_key="position:" + pos["position_id"].astype(str),
        tag_id=pd.array([pd.NA] * len(pos), dtype="Int64"), tag_name=None, n_positions=1)
    tag_rows = tag_components(pos[["position_id", "portfolio_id", "component_var"]], tags)
    tag_rows = tag_rows.assign(
        component_level="tag", component_key="tag:" + tag_rows["tag_name"].astype(str),
        position_id=pd.array([pd.NA] * len(tag_rows), dtype="Int64"), symbol=None,
        underlying_symbol=None, delta_adjusted_exposure=np.nan, marginal_var=np.nan)
    components = pd.concat([position_rows, tag_rows], ignore_index=True)
    components["share_of_var"] = (components["component_var"]
                                  / components["portfolio_id"].map(total))
    return components
