"""Delta-adjusted and factor exposures of positions and portfolios (design §5).

- Delta-adjusted exposure (dollars, signed): stocks/ETFs = exposure = q · p · m;
  options = Δ · q · m · S (the position's dollar delta, S = underlying close).
- Dollar factor exposure of a position = delta-adjusted exposure · β_f of its
  underlying (options take their underlying's β).
- Portfolio factor exposure = Σ dollar factor exposure / equity (signed weights: a short
  position with positive β lowers it). A position whose β (or delta-adjusted
  exposure) is NULL is left out and counted in ``n_positions_excluded``; when no
  position has a β the portfolio number is NULL.
- Short interest (8th factor): Σ (delta-adjusted exposure / equity) · SI, SI = short
  interest as a fraction of float of the underlying; NULL SI → left out and counted.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from python_models.conventions import SHORT_INTEREST_FACTOR

POSITION_FACTOR_COLUMNS = ["position_id", "portfolio_id", "factor", "underlying_symbol",
                           "beta", "delta_adjusted_exposure", "dollar_exposure"]
PORTFOLIO_FACTOR_COLUMNS = ["portfolio_id", "factor", "equity", "dollar_exposure",
                            "exposure", "n_positions", "n_positions_excluded"]


def position_factor_exposures(positions: pd.DataFrame, betas: pd.DataFrame,
                              factors: list[str]) -> pd.DataFrame:
    """One row per position × factor: β of the underlying and dollar exposure.

    ``positions``: ``position_id, portfolio_id, underlying_symbol,
    delta_adjusted_exposure``; ``betas``: ``symbol, factor, beta`` (long format).
    """
    grid = positions[["position_id", "portfolio_id", "underlying_symbol",
                      "delta_adjusted_exposure"]].merge(
        pd.DataFrame({"factor": factors}), how="cross")
    grid = grid.merge(betas[["symbol", "factor", "beta"]].rename(
        columns={"symbol": "underlying_symbol"}), on=["underlying_symbol", "factor"],
        how="left")
    grid["dollar_exposure"] = grid["delta_adjusted_exposure"] * grid["beta"]
    return grid[POSITION_FACTOR_COLUMNS]


def _aggregate(rows: pd.DataFrame, value: str, equity: pd.Series) -> pd.DataFrame:
    grouped = rows.groupby(["portfolio_id", "factor"], sort=True)
    out = pd.DataFrame({"dollar_exposure": grouped[value].sum(min_count=1),
                        "n_positions": grouped.size(),
                        "n_included": grouped[value].count()}).reset_index()
    out["n_positions_excluded"] = out["n_positions"] - out.pop("n_included")
    out["equity"] = out["portfolio_id"].map(equity).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["exposure"] = out["dollar_exposure"] / out["equity"]
    return out[PORTFOLIO_FACTOR_COLUMNS]


def portfolio_factor_exposures(position_rows: pd.DataFrame, positions: pd.DataFrame,
                               equity: pd.Series) -> pd.DataFrame:
    """Portfolio exposure per factor, plus the short-interest factor.

    ``position_rows``: output of :func:`position_factor_exposures`; ``positions``:
    ``position_id, portfolio_id, delta_adjusted_exposure, short_interest``;
    ``equity``: equity per portfolio_id.
    """
    factor_rows = _aggregate(position_rows, "dollar_exposure", equity)
    si = positions[["position_id", "portfolio_id"]].copy()
    si["factor"] = SHORT_INTEREST_FACTOR
    si["si_dollar"] = positions["delta_adjusted_exposure"] * positions["short_interest"]
    si_rows = _aggregate(si, "si_dollar", equity)
    return pd.concat([factor_rows, si_rows], ignore_index=True).sort_values(
        ["portfolio_id", "factor"], kind="stable").reset_index(drop=True)
