"""Pro-forma risk by increments: the current book's figures plus the change of the
positions the trades touch, so a what-if request costs O(trades + securities), not a
full risk run.

Every figure but VaR is a sum over positions of a per-position contribution:
exposure parts and counts (:func:`python_models.book_exposures.exposure_contributions`),
position Greeks (:func:`python_models.greeks.greek_arrays`, the computation of
:func:`~python_models.greeks.position_greeks`) and dollar factor
exposures dae · β_f (β of the underlying, short interest for the 8th factor, as
:func:`python_models.exposures.position_factor_exposures`). So

    pro forma = current − Σ contributions of the changed positions before
                        + Σ contributions of the changed positions after.

VaR is not additive: the exposure vector x per VaR security is updated the same way and
:func:`python_models.var.parametric_var` recomputes σ, VaR and the marginal VaR; the
component of a position is dae · mVaR of its underlying (Euler, as in
:func:`python_models.var.portfolio_var`), and a tag's is the sum over its positions.
The current book's contributions come from :func:`python_models.proforma.book_risk`
(the batch's functions), so with no change every figure is the stored one, and the
tests check the increments against a full :func:`~python_models.proforma.compare_books`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from python_models.book_exposures import EXPOSURE_PARTS, exposure_contributions
from python_models.columns import Columns, Keyed, as_floats, as_objects, as_values
from python_models.conventions import FACTORS, SHORT_INTEREST_FACTOR, SOURCE_FALLBACK, UNTAGGED
from python_models.greeks import greek_arrays
from python_models.market import SessionMarket
from python_models.proforma import POSITION_COLUMNS, book_risk, position_types
from python_models.var import parametric_var

FACTOR_COLUMNS = [*FACTORS, SHORT_INTEREST_FACTOR]
GREEK_COLUMNS = ["delta", "dollar_delta", "gamma", "theta", "vega", "rho"]
INPUT_COLUMNS = ["spot", "spot_date", "volatility", "volatility_n_obs", "rate"]


@dataclass(frozen=True)
class Contributions:
    """Per-position contributions of some positions (row order = ``positions``)."""

    positions: dict[str, np.ndarray]  # POSITION_COLUMNS + inputs and Greeks, per column
    exposure: np.ndarray          # n × EXPOSURE_PARTS (exposure_contributions)
    greeks: np.ndarray            # n × GREEK_COLUMNS, NaN where NULL
    fallback: np.ndarray          # n, 1 where greeks_source = fallback
    dae: np.ndarray               # n, delta-adjusted exposure (NaN where NULL)
    factors: np.ndarray           # n × FACTOR_COLUMNS dollar exposures (NaN where NULL)
    var_index: np.ndarray         # n, column of the underlying in the VaR covariance, −1


@dataclass(frozen=True)
class IncrementalBook:
    """What the increments start from: the market and the current book's contributions."""

    market: SessionMarket
    security_inputs: Keyed          # per underlying: INPUT_COLUMNS (with_option_inputs)
    betas: Keyed                    # per underlying: FACTOR_COLUMNS (short interest last)
    var_column: dict[str, int]      # underlying → column of the VaR covariance
    current: Contributions
    current_risk: dict[str, pd.DataFrame]   # book_risk of the current book
    current_totals: dict[str, float]        # Σ of the current book's contributions
    row_of: dict[int, int]          # position_id → row of the current book
    x: np.ndarray                   # current VaR exposures per covariance column
    tag_matrix: np.ndarray          # tags × current positions (1 = carries the tag)
    tag_names: list[str]
    baseline: ProForma | None = None  # the current book through :func:`pro_forma`

    @property
    def current_figures(self) -> ProForma:
        """The current book's figures (set by :func:`prepare`)."""
        if self.baseline is None:
            raise ValueError("an IncrementalBook is made by prepare()")
        return self.baseline

    def changed_mask(self, position_ids: Iterable[int]) -> np.ndarray:
        """Mask over the current positions: True for those of ``position_ids``."""
        mask = np.zeros(len(self.current.dae), bool)
        mask[[self.row_of[p] for p in position_ids if p in self.row_of]] = True
        return mask


def _factor_matrix(market: SessionMarket) -> pd.DataFrame:
    wide = market.betas.pivot_table(index="symbol", columns="factor", values="beta",
                                    aggfunc="first")
    wide = wide.reindex(columns=list(FACTORS))
    short_interest = market.securities.set_index("symbol")["short_interest"]
    wide[SHORT_INTEREST_FACTOR] = short_interest.reindex(wide.index).to_numpy(float)
    return wide


def contributions(positions: Columns, greeks: Columns, betas: Keyed,
                  var_column: dict[str, int]) -> Contributions:
    """Contributions of ``positions`` whose Greeks (``greeks_table`` / ``greek_arrays``
    columns, with the positions' own) are given."""
    dae = as_floats(greeks["dollar_delta"])
    underlyings = as_objects(positions["underlying_symbol"])
    beta = betas.take(underlyings, FACTOR_COLUMNS)
    parts = exposure_contributions(positions)
    return Contributions(
        positions={str(name): as_values(greeks[name]) for name in greeks},
        exposure=np.column_stack([parts[name] for name in EXPOSURE_PARTS]),
        greeks=np.column_stack([as_floats(greeks[name]) for name in GREEK_COLUMNS]),
        fallback=(as_objects(greeks["greeks_source"]) == SOURCE_FALLBACK).astype(float),
        dae=dae, factors=dae[:, None] * np.column_stack(
            [as_floats(beta[name]) for name in FACTOR_COLUMNS]),
        var_index=np.array([var_column.get(u, -1) for u in underlyings], dtype=int))


def prepare(current: pd.DataFrame, market: SessionMarket, books: pd.DataFrame,
            tags: pd.DataFrame, security_inputs: pd.DataFrame) -> IncrementalBook:
    """Run the batch's functions on the current book once; keep its contributions.

    ``security_inputs``: ``underlying_symbol`` + ``INPUT_COLUMNS`` for every underlying
    (``with_option_inputs`` of one row per underlying).
    """
    risk = book_risk(current, market, books, tags)
    betas = Keyed(_factor_matrix(market))
    var_column = {symbol: i for i, symbol in enumerate(market.var_symbols)}
    greeks = risk["position_greeks"].set_index("position_id").loc[
        current["position_id"]].reset_index()
    base = contributions(current, greeks, betas, var_column)
    x = np.zeros(len(market.var_symbols))
    held = (base.var_index >= 0) & np.isfinite(base.dae)
    np.add.at(x, base.var_index[held], base.dae[held])
    names = sorted(set(tags["tag_name"]))
    matrix = np.zeros((len(names), len(current)))
    row_of = {int(p): row for row, p in enumerate(current["position_id"])}
    if len(tags):
        matrix[tags["tag_name"].map({n: i for i, n in enumerate(names)}).to_numpy(int),
               [row_of[int(p)] for p in tags["position_id"]]] = 1.0
    book = IncrementalBook(
        market, Keyed(security_inputs[["underlying_symbol", *INPUT_COLUMNS]],
                      "underlying_symbol"),
        betas, var_column, base, risk, _totals(base), row_of, x, matrix, names)
    return replace(book, baseline=pro_forma(book, np.zeros(len(current), bool),
                                            changed_contributions(book, current.iloc[:0])))


def days_to_expiry(expiry: Any, as_of: pd.Timestamp) -> np.ndarray:
    """Calendar days from ``as_of`` to each expiry date (NaN without one)."""
    dates = np.asarray(expiry)
    if dates.dtype.kind != "M":
        dates = pd.to_datetime(pd.Series(dates, dtype=object)).to_numpy()
    days = dates.astype("datetime64[D]") - np.datetime64(as_of.date(), "D")
    return np.where(np.isnat(days), np.nan, days.astype(float))


def changed_contributions(book: IncrementalBook, rows: Columns) -> Contributions:
    """Contributions of positions after a change (``POSITION_COLUMNS``, a frame or
    arrays), Greeks computed with :func:`greek_arrays` on the frozen inputs of their
    underlying."""
    frame = {column: np.asarray(rows[column]) for column in POSITION_COLUMNS}
    frame.update(book.security_inputs.take(frame["underlying_symbol"], INPUT_COLUMNS))
    frame["days_to_expiry"] = days_to_expiry(frame["expiry_date"], book.market.as_of)
    frame["position_type"] = position_types(frame["asset_type"], frame["option_type"],
                                            frame["quantity"])
    return contributions(frame, {**frame, **greek_arrays(frame)}, book.betas,
                         book.var_column)


def _totals(part: Contributions, mask: np.ndarray | None = None) -> dict[str, float]:
    keep = np.ones(len(part.dae), bool) if mask is None else mask
    sums = dict(zip(EXPOSURE_PARTS, part.exposure[keep].sum(axis=0).tolist(), strict=True))
    sums.update(zip(GREEK_COLUMNS, np.nan_to_num(part.greeks[keep]).sum(axis=0), strict=True))
    sums["n_fallback"] = float(part.fallback[keep].sum())
    factors = part.factors[keep]
    sums.update(zip(FACTOR_COLUMNS, np.nan_to_num(factors).sum(axis=0), strict=True))
    sums.update({f"n_{f}_included": n for f, n in
                 zip(FACTOR_COLUMNS, np.isfinite(factors).sum(axis=0), strict=True)})
    sums["n_positions"] = float(keep.sum())
    sums["var_n_positions_excluded"] = float(
        ((part.var_index[keep] < 0) | ~np.isfinite(part.dae[keep])).sum())
    return sums


def _add_to_x(x: np.ndarray, part: Contributions, mask: np.ndarray, sign: float) -> None:
    index, dae = part.var_index[mask], part.dae[mask]
    ok = (index >= 0) & np.isfinite(dae)
    np.add.at(x, index[ok], sign * dae[ok])


def _components(part: Contributions, marginal: np.ndarray) -> np.ndarray:
    out = np.full(len(part.dae), np.nan)
    ok = part.var_index >= 0
    out[ok] = part.dae[ok] * marginal[part.var_index[ok]]
    return out


@dataclass(frozen=True)
class ProForma:
    """Figures of a pro-forma book (see :func:`pro_forma`)."""

    totals: dict[str, float]      # sums of the contributions (exposures, Greeks, factors)
    sigma: float                  # sqrt(xᵀΣx), dollars
    var: float                    # 1.645 σ, positive dollars
    var_n_securities: int
    kept_components: np.ndarray   # per current position (NaN where it changed)
    after_components: np.ndarray  # per changed position after the trades
    tag_components: dict[str, float]


def pro_forma(book: IncrementalBook, before: np.ndarray, after: Contributions) -> ProForma:
    """The pro-forma figures.

    ``before``: mask over the current positions that change (resized or removed);
    ``after``: contributions of the changed positions after the trades (resized and new;
    a resized position keeps its ``position_id`` and its tags).
    """
    current = book.current_totals
    old, new = _totals(book.current, before), _totals(after)
    totals = {name: current[name] - old[name] + new[name] for name in current}
    x = book.x.copy()
    _add_to_x(x, book.current, before, -1.0)
    _add_to_x(x, after, np.ones(len(after.dae), bool), 1.0)
    if len(x):
        var = parametric_var(x[None, :], book.market.covariance)
        sigma, value, marginal = float(var["sigma"][0]), float(var["var"][0]), var["marginal"][0]
    else:
        sigma, value, marginal = np.nan, np.nan, np.zeros(0)
    kept = _components(book.current, marginal)
    kept[before] = np.nan
    added = _components(after, marginal)
    rows = np.array([book.row_of.get(int(p), -1) for p in after.positions["position_id"]],
                    dtype=int)
    owned = np.zeros((len(book.tag_names), len(added)))
    owned[:, rows >= 0] = book.tag_matrix[:, rows[rows >= 0]]
    tag_values = book.tag_matrix @ np.nan_to_num(kept) + owned @ np.nan_to_num(added)
    members = book.tag_matrix[:, ~before].sum(axis=1) + owned.sum(axis=1)
    tags = {name: value for name, value, n in zip(book.tag_names, tag_values, members,
                                                  strict=True) if n > 0}
    kept_untagged = (book.tag_matrix.sum(axis=0) == 0) & ~before
    added_untagged = owned.sum(axis=0) == 0
    if kept_untagged.any() or added_untagged.any():
        tags[UNTAGGED] = np.nansum(kept[kept_untagged]) + np.nansum(added[added_untagged])
    return ProForma(totals, sigma, value, int((x != 0).sum()), kept, added, tags)
