"""Pro-forma books: a frozen book plus hypothetical trades, and the risk of both.

A what-if session freezes a book (positions and their marks) and the market inputs of
its as-of date (the closes of the risk step's window).
:func:`python_models.market.session_market` derives, once, what the risk step derives
from those closes — returns, factor betas, and the covariance of the VaR window — with
the function the risk step uses; :func:`book_risk` then computes Greeks, factor
exposures, parametric VaR with its components and the exposure totals of any number of
books with the same functions the batch uses, so a session without trades reproduces the
stored risk of its book.

Trades net into positions (:func:`apply_trades`): a trade naming a position (or the only
position holding its symbol) changes that position's quantity; a trade in a symbol the
book does not hold opens one new position per symbol (negative ids −1, −2, … in order of
the first trade). Quantities are summed as exact decimals, so a trade and its exact
opposite give back the original quantity bit for bit; a position netted to zero is
removed. A new position's mark is the symbol's last close, else its last trade's price.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from python_models.book_exposures import exposure_totals
from python_models.columns import Keyed, as_floats, as_objects
from python_models.market import SessionMarket
from python_models.risk_step import (
    exposure_inputs,
    factor_tables,
    greeks_table,
    with_option_inputs,
)
from python_models.var import portfolio_var

POSITION_COLUMNS = ["position_id", "portfolio_id", "symbol", "underlying_symbol", "asset_type",
                    "position_type", "option_type", "strike", "expiry_date", "quantity",
                    "multiplier", "price"]
TERM_COLUMNS = ["symbol", "underlying_symbol", "asset_type", "option_type", "strike",
                "expiry_date", "multiplier"]
Trades = Sequence[Mapping[str, Any]]  # trade records (see :func:`net_trades`)


def position_types(asset_type: Any, option_type: Any, quantity: Any) -> np.ndarray:
    """LONG / SHORT for stocks and ETFs by sign; LC, LP, SC, SP for options (design §5).

    Columns (Series or arrays) of one value per position.
    """
    long = as_floats(quantity) > 0
    option = as_objects(asset_type) == "OPTION"
    kind = as_objects(option_type)
    side = np.where(long, "L", "S")
    return np.where(option, np.char.add(side, np.where(pd.isna(kind), "", kind).astype(str)),
                    np.where(long, "LONG", "SHORT"))


class Change(NamedTuple):
    """A position the trades touch (quantities exact; 0 = new / removed)."""

    position_id: int
    symbol: str
    current: Decimal
    target: Decimal
    price: float          # the price of the last trade on it


@dataclass(frozen=True)
class Holdings:
    """A frozen book keyed for netting trades (built once per book: :meth:`of`)."""

    row_of: dict[int, int]    # position_id → row of the book
    held: dict[str, int]      # symbol held in exactly one position → its position_id
    quantity: np.ndarray      # per row
    price: np.ndarray         # per row, the mark (NaN without one)

    @classmethod
    def of(cls, book: pd.DataFrame) -> Holdings:
        """``book``: ``position_id, symbol, quantity`` and, when known, ``price``."""
        ids = book["position_id"].to_numpy(int).tolist()
        alone = ~book["symbol"].duplicated(keep=False).to_numpy()
        price = (as_floats(book["price"]) if "price" in book.columns
                 else np.full(len(ids), np.nan))
        return cls({pid: row for row, pid in enumerate(ids)},
                   dict(zip(book["symbol"].to_numpy()[alone],
                            np.asarray(ids, dtype=int)[alone].tolist(), strict=True)),
                   as_floats(book["quantity"]), price)

    def mark(self, position_id: int) -> float:
        """The mark of a book position; NaN for a new one."""
        row = self.row_of.get(position_id)
        return np.nan if row is None else float(self.price[row])


def net_trades(holdings: Holdings, trades: Trades) -> list[Change]:
    """The positions the trades touch, in order of their first trade (rules in the
    module doc).

    ``trades``: records ``trade_id, position_id (None / NaN = by symbol), symbol,
    quantity`` (exact decimal text) ``, price``; a trade without position_id on a held
    symbol must hold it in exactly one position (the caller checks).
    """
    new_ids: dict[str, int] = {}
    changes: dict[int, list[Any]] = {}
    for trade in sorted(trades, key=lambda t: t["trade_id"]):
        symbol, target = trade["symbol"], trade["position_id"]
        if target is None or pd.isna(target):
            target = holdings.held.get(symbol)
        if target is None:
            target = new_ids.setdefault(symbol, -(len(new_ids) + 1))
        entry = changes.setdefault(int(target), [symbol, Decimal(0), trade["price"]])
        entry[1] += Decimal(trade["quantity"])
        entry[2] = trade["price"]
    out = []
    for position_id, (symbol, change, price) in changes.items():
        current = (Decimal(repr(float(holdings.quantity[holdings.row_of[position_id]])))
                   if position_id > 0 else Decimal(0))
        out.append(Change(position_id, symbol, current, current + change, price))
    return out


def position_changes(book: pd.DataFrame, trades: Trades) -> pd.DataFrame:
    """:func:`net_trades` of ``book`` (``position_id, symbol, quantity``) as a frame:
    ``position_id, symbol, current, target, price``."""
    return pd.DataFrame(net_trades(Holdings.of(book), trades), columns=list(Change._fields))


def changed_rows(holdings: Holdings, changes: Sequence[Change], terms: Keyed,
                 last_close: Mapping[Any, float], portfolio_id: int) -> dict[str, np.ndarray]:
    """``POSITION_COLUMNS`` (arrays) of the changed positions that remain (target ≠ 0):
    book positions with their new quantity and mark, and new positions marked at the
    symbol's last close (else their last trade's price).

    ``terms``: ``TERM_COLUMNS`` keyed by symbol; ``last_close``: latest close per symbol.
    """
    remain = [change for change in changes if change.target != 0]
    ids = np.array([change.position_id for change in remain], dtype=int)
    symbols = as_objects([change.symbol for change in remain])
    new_mark = np.array([last_close.get(change.symbol, np.nan) for change in remain], float)
    new_mark = np.where(np.isnan(new_mark), [change.price for change in remain], new_mark)
    rows = {"position_id": ids, "portfolio_id": np.full(len(ids), portfolio_id),
            "symbol": symbols, **terms.take(symbols, TERM_COLUMNS[1:]),
            "quantity": np.array([float(change.target) for change in remain], float),
            "price": np.where(ids > 0, [holdings.mark(i) for i in ids.tolist()], new_mark)}
    rows["position_type"] = position_types(rows["asset_type"], rows["option_type"],
                                           rows["quantity"])
    return {column: rows[column] for column in POSITION_COLUMNS}


def apply_trades(book: pd.DataFrame, trades: Trades, terms: pd.DataFrame,
                 last_close: pd.Series, portfolio_id: int) -> pd.DataFrame:
    """The pro-forma positions of ``book`` after ``trades`` (rules in the module doc).

    Parameters
    ----------
    book : ``POSITION_COLUMNS`` (the frozen positions, marks in ``price``).
    trades : as :func:`net_trades` takes them.
    terms : ``TERM_COLUMNS`` of every traded symbol.
    last_close : latest close per symbol (the mark of new positions).
    portfolio_id : the id the pro-forma rows carry.
    """
    out = book.assign(portfolio_id=portfolio_id)[POSITION_COLUMNS]
    if not len(trades):
        return out.reset_index(drop=True)
    holdings = Holdings.of(book)
    changes = net_trades(holdings, trades)
    kept = out[~out["position_id"].isin([change.position_id for change in changes])]
    changed = pd.DataFrame(changed_rows(holdings, changes, Keyed(terms, "symbol"),
                                        last_close.to_dict(), portfolio_id))
    return pd.concat([kept, changed], ignore_index=True)


def book_risk(positions: pd.DataFrame, market: SessionMarket, books: pd.DataFrame,
              tags: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Greeks, factor exposures, parametric VaR and exposure totals of every book at once.

    Parameters
    ----------
    positions : ``POSITION_COLUMNS`` of every book (``portfolio_id`` tells them apart).
    market : from :func:`python_models.market.session_market`.
    books : ``portfolio_id, equity, portfolio_value`` (one row per book).
    tags : ``position_id, tag_id, tag_name``.

    Returns
    -------
    {``position_greeks``, ``position_factor_exposures``, ``portfolio_factor_exposures``,
    ``var`` (one row per book), ``var_components``, ``exposures``} — the risk step's
    frames (same columns) plus :func:`~python_models.book_exposures.exposure_totals`.
    """
    with_inputs = with_option_inputs(positions.drop(columns="price"), market.closes,
                                     market.returns, market.as_of, market.rate)
    greeks = greeks_table(with_inputs)
    equity = books.set_index("portfolio_id")["equity"]
    exposures = exposure_inputs(with_inputs, greeks, market.securities)
    position_factors, portfolio_factors = factor_tables(exposures, market.betas, equity)
    var, components = portfolio_var(
        books[["portfolio_id", "portfolio_value"]].reset_index(drop=True),
        exposures.assign(symbol=positions["symbol"].to_numpy()), market.covariance,
        market.var_symbols, tags)
    return {"position_greeks": greeks, "position_factor_exposures": position_factors,
            "portfolio_factor_exposures": portfolio_factors, "var": var,
            "var_components": components, "exposures": exposure_totals(positions, equity)}


GREEK_TOTALS = ("delta", "dollar_delta", "gamma", "theta", "vega", "rho")


def compare_books(current: pd.DataFrame, pro_forma: pd.DataFrame, market: SessionMarket,
                  books: pd.DataFrame, tags: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """:func:`book_risk` of the current and the pro-forma book in one pass.

    The two books share position ids, so each row gets a unique computation id and keeps
    its own as ``book_position_id`` (tags follow it into both books). Adds
    ``greek_totals`` (per book: Σ of each position Greek, NULL values left out, and
    ``n_fallback``).
    """
    rows = pd.concat([current, pro_forma], ignore_index=True)
    rows = rows.rename(columns={"position_id": "book_position_id"})
    rows.insert(0, "position_id", np.arange(len(rows)))
    row_tags = tags.rename(columns={"position_id": "book_position_id"}).merge(
        rows[["position_id", "book_position_id"]], on="book_position_id")
    risk = book_risk(rows.drop(columns="book_position_id"), market, books,
                     row_tags[["position_id", "tag_id", "tag_name"]])
    source = rows.set_index("position_id")["book_position_id"]
    for name in ("position_greeks", "position_factor_exposures"):
        risk[name]["book_position_id"] = risk[name]["position_id"].map(source)
    components = risk["var_components"]
    components["book_position_id"] = components["position_id"].map(source)
    greeks = risk["position_greeks"]
    grouped = greeks.groupby("portfolio_id")
    totals = grouped[list(GREEK_TOTALS)].sum(min_count=1)
    totals["n_fallback"] = grouped["greeks_source"].agg(lambda s: int((s == "fallback").sum()))
    risk["greek_totals"] = totals.reindex(books["portfolio_id"]).reset_index()
    return risk
