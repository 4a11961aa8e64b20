"""Exposure totals of books from their positions' marks (design §5), every book at once.

Per position: exposure = q · p · m (signed dollars), market value = |q| · p · m, with p
the position's mark (its close on the as-of date). A position without a mark is left
out of every total and counted in ``n_unpriced``. Per book:

- long / short exposure = Σ exposure over exposure > 0 / < 0 (short ≤ 0),
- gross = Σ |exposure| (= long − short), net = Σ exposure, market value = Σ |q| p m,
- each of them also as a fraction of the book's equity (``<name>_of_equity``, NULL
  without a positive equity),
- position counts: all valued positions and per type (LONG, SHORT, LC, LP, SC, SP).

These are the figures of ``fct_portfolio_snapshots`` on one day, for books that exist
only in memory (what-if sessions).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from python_models.columns import Columns, as_floats, as_objects

POSITION_TYPE_COUNTS = {"LONG": "long_count", "SHORT": "short_count", "LC": "lc_count",
                        "LP": "lp_count", "SC": "sc_count", "SP": "sp_count"}
DOLLAR_TOTALS = ("long_exposure", "short_exposure", "gross_exposure", "net_exposure",
                 "market_value")
EXPOSURE_PARTS = (*DOLLAR_TOTALS, "position_count", "n_unpriced", *POSITION_TYPE_COUNTS.values())
TOTAL_COLUMNS = ["portfolio_id", *DOLLAR_TOTALS,
                 *(f"{name}_of_equity" for name in DOLLAR_TOTALS), "equity",
                 "position_count", *POSITION_TYPE_COUNTS.values(), "n_unpriced"]


def exposure_contributions(positions: Columns) -> dict[str, np.ndarray]:
    """Each position's part of every total (``EXPOSURE_PARTS`` → one value per row of
    ``positions``; sums give the totals).

    ``positions``: ``position_type, quantity, price, multiplier`` (a frame or arrays).
    """
    exposure = (as_floats(positions["quantity"]) * as_floats(positions["price"])
                * as_floats(positions["multiplier"]))
    priced = np.isfinite(exposure)
    value = np.where(priced, exposure, 0.0)
    parts = {
        "long_exposure": np.where(value > 0, value, 0.0),
        "short_exposure": np.where(value < 0, value, 0.0),
        "gross_exposure": np.abs(value),
        "net_exposure": value,
        "market_value": np.abs(value),
        "position_count": priced.astype(float),
        "n_unpriced": (~priced).astype(float),
    }
    position_type = as_objects(positions["position_type"])
    for name, column in POSITION_TYPE_COUNTS.items():
        parts[column] = (priced & (position_type == name)).astype(float)
    return parts


def fractions_of_equity(totals: Columns, equity: np.ndarray) -> dict[str, np.ndarray]:
    """``<name>_of_equity`` = dollars / equity per book (NULL unless equity > 0)."""
    positive = np.where(equity > 0, equity, np.nan)
    return {f"{name}_of_equity": as_floats(totals[name]) / positive for name in DOLLAR_TOTALS}


def with_fractions(totals: pd.DataFrame, equity: np.ndarray) -> pd.DataFrame:
    """``totals`` plus :func:`fractions_of_equity` and ``equity``."""
    return totals.assign(**fractions_of_equity(totals, equity), equity=equity)


def exposure_totals(positions: pd.DataFrame, equity: pd.Series) -> pd.DataFrame:
    """One row per book of ``equity``'s index (``TOTAL_COLUMNS``).

    Parameters
    ----------
    positions : ``portfolio_id, position_type, quantity, price, multiplier``.
    equity : equity in dollars per portfolio_id (the books to report, in order).
    """
    parts = pd.DataFrame(exposure_contributions(positions))
    parts["portfolio_id"] = positions["portfolio_id"].to_numpy()
    totals = parts.groupby("portfolio_id", sort=False).sum().reindex(equity.index,
                                                                     fill_value=0)
    totals = with_fractions(totals, equity.to_numpy(float))
    counts = ["position_count", *POSITION_TYPE_COUNTS.values(), "n_unpriced"]
    totals[counts] = totals[counts].astype(int)
    return totals.rename_axis("portfolio_id").reset_index()[TOTAL_COLUMNS]
