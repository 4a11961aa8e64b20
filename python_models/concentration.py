"""Position weights and concentration of every portfolio at once.

Weights (per position, fractions of the portfolio's equity E; design §5 quantities)::

    exposure_weight            = exposure / E              (signed: q · p · m / E)
    market_value_weight        = market value / E          (≥ 0: |q| · p · m / E)
    delta_adjusted_weight      = delta-adjusted exposure / E

so Σ exposure_weight = net exposure / E. Concentration is measured **per name** (an
underlying: a stock and its options are one name) on delta-adjusted exposure, the
dollars that move with the name::

    w_n     = Σ_{positions on n} delta-adjusted exposure / E     (signed)
    top_k   = Σ of the k largest |w_n|                          (k = 5, 10)
    HHI     = Σ_n (|w_n| / Σ_m |w_m|)²                          (Herfindahl of |weights|,
                                                                 in [1/N, 1])
    effective_names = 1 / HHI

The HHI is normalised by gross so that it measures how the book is spread, not its
leverage (it needs no equity: |w_n| / Σ|w_m| = |x_n| / Σ|x_m|). The largest name and
sector are those with the largest |net| delta-adjusted exposure x; a sector's weight is
its net / E and its gross weight Σ|w_n| / E over its names.
Positions without a sector form the ``Unknown`` sector. Positions with a NULL
delta-adjusted exposure are left out of the name figures and counted. E ≤ 0 or NULL →
NaN weights.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from python_models.stress import UNKNOWN_SECTOR

TOP_N = (5, 10)
WEIGHT_COLUMNS = ["position_id", "portfolio_id", "exposure_weight", "market_value_weight",
                  "delta_adjusted_weight"]
CONCENTRATION_COLUMNS = ["portfolio_id", "equity", "n_names", "n_positions_excluded",
                         "top5_weight", "top10_weight", "herfindahl", "effective_names",
                         "largest_name", "largest_name_weight", "largest_sector",
                         "largest_sector_weight", "largest_sector_gross_weight"]


def _per_equity(values: pd.Series, portfolio_id: pd.Series, equity: pd.Series) -> np.ndarray:
    eq = portfolio_id.map(equity).to_numpy(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return values.to_numpy(float) / np.where(eq > 0, eq, np.nan)


def position_weights(positions: pd.DataFrame, equity: pd.Series) -> pd.DataFrame:
    """``positions``: ``position_id, portfolio_id, exposure, market_value,
    delta_adjusted_exposure``; ``equity`` per portfolio_id. Returns :data:`WEIGHT_COLUMNS`."""
    pid = positions["portfolio_id"]
    out = positions[["position_id", "portfolio_id"]].copy()
    out["exposure_weight"] = _per_equity(positions["exposure"], pid, equity)
    out["market_value_weight"] = _per_equity(positions["market_value"], pid, equity)
    out["delta_adjusted_weight"] = _per_equity(positions["delta_adjusted_exposure"], pid,
                                               equity)
    return out[WEIGHT_COLUMNS]


def concentration(positions: pd.DataFrame, equity: pd.Series) -> pd.DataFrame:
    """Concentration per portfolio (see the module docstring).

    ``positions``: ``portfolio_id, underlying_symbol, sector, delta_adjusted_exposure``.
    Returns :data:`CONCENTRATION_COLUMNS`, one row per portfolio.
    """
    frame = positions.assign(sector=positions["sector"].fillna(UNKNOWN_SECTOR))
    usable = frame["delta_adjusted_exposure"].notna()
    excluded = (~usable).groupby(frame["portfolio_id"]).sum()
    names = (frame[usable].groupby(["portfolio_id", "underlying_symbol"], sort=True)
             .agg(dae=("delta_adjusted_exposure", "sum"), sector=("sector", "first"))
             .reset_index())
    names["weight"] = _per_equity(names["dae"], names["portfolio_id"], equity)
    names["size"] = names["dae"].abs()
    ranked = names.sort_values(["portfolio_id", "size", "underlying_symbol"],
                               ascending=[True, False, True], kind="stable")
    ranked["rank"] = ranked.groupby("portfolio_id").cumcount() + 1
    grouped = ranked.groupby("portfolio_id", sort=True)
    gross = grouped["size"].sum()
    shares = ranked["size"] / ranked["portfolio_id"].map(gross.where(gross > 0))
    out = pd.DataFrame({"n_names": grouped.size()})
    for k in TOP_N:
        out[f"top{k}_weight"] = ranked["weight"].abs().where(ranked["rank"] <= k).groupby(
            ranked["portfolio_id"]).sum(min_count=1)
    out["herfindahl"] = (shares ** 2).groupby(ranked["portfolio_id"]).sum(min_count=1)
    out["effective_names"] = 1.0 / out["herfindahl"]
    first = ranked[ranked["rank"] == 1].set_index("portfolio_id")
    out["largest_name"] = first["underlying_symbol"]
    out["largest_name_weight"] = first["weight"]
    by_sector = names.assign(gross=names["weight"].abs()).groupby(
        ["portfolio_id", "sector"], sort=True)
    sectors = by_sector[["dae", "weight", "gross"]].sum(min_count=1).reset_index()
    sectors["size"] = sectors["dae"].abs()
    top_sector = sectors.sort_values(["portfolio_id", "size", "sector"],
                                     ascending=[True, False, True], kind="stable"
                                     ).drop_duplicates("portfolio_id").set_index("portfolio_id")
    out["largest_sector"] = top_sector["sector"]
    out["largest_sector_weight"] = top_sector["weight"]
    out["largest_sector_gross_weight"] = top_sector["gross"]
    portfolios = pd.Index(sorted(set(frame["portfolio_id"])), name="portfolio_id")
    out = out.reindex(portfolios)
    out["n_names"] = out["n_names"].fillna(0).astype(np.int64)
    out["n_positions_excluded"] = excluded.reindex(portfolios).fillna(0).astype(np.int64)
    out["equity"] = equity.reindex(portfolios).astype(float)
    return out.reset_index()[CONCENTRATION_COLUMNS]
