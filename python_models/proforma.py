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

from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from python_models.book_exposures import exposure_totals
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


def position_types(asset_type: pd.Series, option_type: pd.Series,
                   quantity: pd.Series) -> np.ndarray:
    """LONG / SHORT for stocks and ETFs by sign; LC, LP, SC, SP for options (design §5)."""
    long = quantity.to_numpy(float) > 0
    option = (asset_type == "OPTION").to_numpy()
    side = np.where(long, "L", "S")
    return np.where(option, np.char.add(side, option_type.fillna("").to_numpy(str)),
                    np.where(long, "LONG", "SHORT"))


def position_changes(book: pd.DataFrame, trades: pd.DataFrame) -> pd.DataFrame:
    """The positions the trades touch: ``position_id, symbol, current, target`` (exact
    :class:`~decimal.Decimal` quantities; 0 for a new position / a removed one) and
    ``price`` (the price of the last trade on it), in order of their first trade.

    ``trades``: ``trade_id, position_id (NaN = by symbol), symbol, quantity`` (exact
    decimal text) ``, price``; a trade without position_id on a held symbol must hold it
    in exactly one position (the caller checks). New positions get ids −1, −2, ….
    """
    trades = trades.sort_values("trade_id")
    held = book.drop_duplicates("symbol", keep=False).set_index("symbol")["position_id"]
    target = trades["position_id"].where(trades["position_id"].notna(),
                                         trades["symbol"].map(held))
    new_symbols = list(dict.fromkeys(trades.loc[target.isna(), "symbol"]))
    new_ids = {symbol: -(number + 1) for number, symbol in enumerate(new_symbols)}
    ids = target.fillna(trades["symbol"].map(new_ids)).astype(int).tolist()
    changes: dict[int, list[Any]] = {}
    for position_id, symbol, quantity, price in zip(
            ids, trades["symbol"], trades["quantity"], trades["price"], strict=True):
        entry = changes.setdefault(position_id, [symbol, Decimal(0), price])
        entry[1] += Decimal(quantity)
        entry[2] = price
    quantities = book.set_index("position_id")["quantity"]
    rows = [(position_id, symbol, current, current + change, price)
            for position_id, (symbol, change, price) in changes.items()
            for current in [Decimal(repr(float(quantities[position_id])))
                            if position_id > 0 else Decimal(0)]]
    return pd.DataFrame(rows, columns=["position_id", "symbol", "current", "target", "price"])


def changed_rows(book: pd.DataFrame, changes: pd.DataFrame, terms: pd.DataFrame,
                 last_close: pd.Series, portfolio_id: int) -> pd.DataFrame:
    """``POSITION_COLUMNS`` rows of the changed positions that remain (target ≠ 0): book
    positions with their new quantity and mark, and new positions marked at the symbol's
    last close (else their last trade's price)."""
    remain = changes[changes["target"] != 0]
    ids = remain["position_id"].to_numpy(int)
    info = terms.set_index("symbol").reindex(remain["symbol"])
    held_mark = book.set_index("position_id")["price"].reindex(ids).to_numpy(float)
    new_mark = last_close.reindex(remain["symbol"]).to_numpy(float)
    new_mark = np.where(np.isnan(new_mark), remain["price"].to_numpy(float), new_mark)
    quantity = remain["target"].map(float)
    rows = pd.DataFrame({
        "position_id": ids, "portfolio_id": portfolio_id,
        "symbol": remain["symbol"].to_numpy(),
        **{column: info[column].to_numpy() for column in TERM_COLUMNS[1:]},
        "quantity": quantity.to_numpy(float),
        "price": np.where(ids > 0, held_mark, new_mark)})
    rows["position_type"] = position_types(rows["asset_type"], rows["option_type"],
                                           rows["quantity"])
    return rows[POSITION_COLUMNS]


def apply_trades(book: pd.DataFrame, trades: pd.DataFrame, terms: pd.DataFrame,
                 last_close: pd.Series, portfolio_id: int) -> pd.DataFrame:
    """The pro-forma positions of ``book`` after ``trades`` (rules in the module doc).

    Parameters
    ----------
    book : ``POSITION_COLUMNS`` (the frozen positions, marks in ``price``).
    trades : as :func:`position_changes` takes them.
    terms : ``TERM_COLUMNS`` of every traded symbol.
    last_close : latest close per symbol (the mark of new positions).
    portfolio_id : the id the pro-forma rows carry.
    """
    out = book.assign(portfolio_id=portfolio_id)[POSITION_COLUMNS]
    if trades.empty:
        return out.reset_index(drop=True)
    changes = position_changes(book, trades)
    kept = out[~out["position_id"].isin(changes["position_id"])]
    changed = changed_rows(book, changes, terms, last_close, portfolio_id)
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
