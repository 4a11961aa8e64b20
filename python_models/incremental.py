"""Pro-forma risk by increments: the current book's figures plus the change of the
positions the trades touch, so a what-if request costs O(trades + securities), not a
full risk run.

Every figure but VaR is a sum over positions of a per-position contribution:
exposure parts and counts (:func:`python_models.book_exposures.exposure_contributions`),
position Greeks (:func:`python_models.greeks.position_greeks`) and dollar factor
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

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from python_models.book_exposures import exposure_contributions
from python_models.conventions import FACTORS, SHORT_INTEREST_FACTOR, SOURCE_FALLBACK, UNTAGGED
from python_models.greeks import position_greeks
from python_models.market import SessionMarket
from python_models.proforma import book_risk, position_types
from python_models.var import parametric_var

FACTOR_COLUMNS = [*FACTORS, SHORT_INTEREST_FACTOR]
GREEK_COLUMNS = ["delta", "dollar_delta", "gamma", "theta", "vega", "rho"]
INPUT_COLUMNS = ["spot", "spot_date", "volatility", "volatility_n_obs", "rate"]


@dataclass(frozen=True)
class Contributions:
    """Per-position contributions of some positions (row order = ``positions``)."""

    positions: pd.DataFrame       # POSITION_COLUMNS + inputs and Greeks (greeks_table)
    exposure: pd.DataFrame        # exposure_contributions columns
    greeks: np.ndarray            # n × GREEK_COLUMNS, NaN where NULL
    fallback: np.ndarray          # n, 1 where greeks_source = fallback
    dae: np.ndarray               # n, delta-adjusted exposure (NaN where NULL)
    factors: np.ndarray           # n × FACTOR_COLUMNS dollar exposures (NaN where NULL)
    var_index: np.ndarray         # n, column of the underlying in the VaR covariance, −1


@dataclass(frozen=True)
class IncrementalBook:
    """What the increments start from: the market and the current book's contributions."""

    market: SessionMarket
    security_inputs: pd.DataFrame   # per symbol: spot, σ, rate (with_option_inputs)
    betas: pd.DataFrame             # underlying × FACTOR_COLUMNS (short interest last)
    current: Contributions
    current_risk: dict[str, pd.DataFrame]   # book_risk of the current book
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


def _factor_matrix(market: SessionMarket) -> pd.DataFrame:
    wide = market.betas.pivot_table(index="symbol", columns="factor", values="beta",
                                    aggfunc="first")
    wide = wide.reindex(columns=list(FACTORS))
    short_interest = market.securities.set_index("symbol")["short_interest"]
    wide[SHORT_INTEREST_FACTOR] = short_interest.reindex(wide.index).to_numpy(float)
    return wide


def contributions(positions: pd.DataFrame, greeks: pd.DataFrame, betas: pd.DataFrame,
                  var_symbols: list[str]) -> Contributions:
    """Contributions of ``positions`` whose Greeks (``greeks_table`` rows) are given."""
    dae = greeks["dollar_delta"].to_numpy(float)
    beta = betas.reindex(positions["underlying_symbol"]).to_numpy(float)
    var_column = {symbol: i for i, symbol in enumerate(var_symbols)}
    return Contributions(
        positions=greeks.reset_index(drop=True),
        exposure=exposure_contributions(positions),
        greeks=greeks[GREEK_COLUMNS].to_numpy(float),
        fallback=(greeks["greeks_source"] == SOURCE_FALLBACK).to_numpy(float),
        dae=dae, factors=dae[:, None] * beta,
        var_index=positions["underlying_symbol"].map(var_column).fillna(-1).to_numpy(int))


def prepare(current: pd.DataFrame, market: SessionMarket, books: pd.DataFrame,
            tags: pd.DataFrame, security_inputs: pd.DataFrame) -> IncrementalBook:
    """Run the batch's functions on the current book once; keep its contributions.

    ``security_inputs``: ``underlying_symbol`` + ``INPUT_COLUMNS`` for every underlying
    (``with_option_inputs`` of one row per underlying).
    """
    risk = book_risk(current, market, books, tags)
    betas = _factor_matrix(market)
    greeks = risk["position_greeks"].set_index("position_id").loc[
        current["position_id"]].reset_index()
    base = contributions(current, greeks, betas, market.var_symbols)
    x = np.zeros(len(market.var_symbols))
    held = (base.var_index >= 0) & np.isfinite(base.dae)
    np.add.at(x, base.var_index[held], base.dae[held])
    names = sorted(set(tags["tag_name"]))
    matrix = np.zeros((len(names), len(current)))
    rows = current["position_id"].reset_index(drop=True)
    position_row = pd.Series(rows.index, index=rows)
    if len(tags):
        matrix[tags["tag_name"].map({n: i for i, n in enumerate(names)}).to_numpy(int),
               tags["position_id"].map(position_row).to_numpy(int)] = 1.0
    book = IncrementalBook(market, security_inputs.set_index("underlying_symbol"), betas,
                           base, risk, x, matrix, names)
    return replace(book, baseline=pro_forma(book, np.zeros(len(current), bool),
                                            changed_contributions(book, current.iloc[:0])))


def changed_contributions(book: IncrementalBook, rows: pd.DataFrame) -> Contributions:
    """Contributions of positions after a change (``POSITION_COLUMNS``), Greeks computed
    with :func:`position_greeks` on the frozen inputs of their underlying."""
    inputs = book.security_inputs.reindex(rows["underlying_symbol"])
    frame = rows.reset_index(drop=True).assign(**{
        column: inputs[column].to_numpy() for column in INPUT_COLUMNS})
    expiry = pd.to_datetime(frame["expiry_date"])
    frame["days_to_expiry"] = (expiry - book.market.as_of).dt.days.astype(float)
    frame["position_type"] = position_types(frame["asset_type"], frame["option_type"],
                                            frame["quantity"])
    greeks = pd.concat([frame, position_greeks(frame)], axis=1)
    return contributions(frame, greeks, book.betas, book.market.var_symbols)


def _totals(part: Contributions, mask: np.ndarray | None = None) -> dict[str, float]:
    keep = np.ones(len(part.dae), bool) if mask is None else mask
    sums = {str(name): float(value) for name, value in part.exposure[keep].sum().items()}
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
    current = _totals(book.current)
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
    row_of = pd.Series(np.arange(len(book.current.dae)),
                       index=book.current.positions["position_id"].to_numpy())
    rows = after.positions["position_id"].map(row_of).fillna(-1).to_numpy(int)
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
