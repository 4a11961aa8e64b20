"""Hypothetical trades of a session: add (several at once), change, remove.

A request is validated whole (:mod:`ingest.trades`, then against the session): a trade
naming ``position_id`` must name a position of the frozen book (and, with a symbol, the
same symbol); a trade by symbol on a symbol the book holds in several positions must
name one; a price defaults to the symbol's last close in the session's window. A symbol
the session does not know is added with its underlying: from the stored history when
the warehouse has closes in the window, else loaded through the market-data path
(:mod:`ingest.on_demand`); one that cannot be priced is a problem of its row — never a
silent zero. Any problem refuses the whole request (422, row and column per problem)
and writes nothing but the market data a load fetched.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pandas as pd

from api.queries.common import in_list
from api.queries.modeling_sessions import SessionNotFound, read_session, utc_now
from api.queries.modeling_state import SessionState, read_trades, session_state
from ingest.config import Settings
from ingest.csv_problems import CsvProblem
from ingest.on_demand import load_on_demand, missing_history
from ingest.security_master import expand_symbols
from ingest.trades import Trade, TradeValidationError, validate_trade, validate_trades
from ingest.warehouse import Connection, Warehouse


def _window(row: dict[str, Any]) -> tuple[dt.date, dt.date]:
    days = json.loads(row["sessions"])
    return dt.date.fromisoformat(days[0]), row["as_of_date"]


def _resolve(trade: Trade, state: SessionState) -> tuple[str | None, list[CsvProblem]]:
    """The trade's symbol after its position_id, or the problems of that pairing."""
    book = state.book
    if trade.position_id is not None:
        match = book[book["position_id"] == trade.position_id]
        if match.empty:
            return None, [CsvProblem(trade.row, "position_id", f"no position "
                                     f"{trade.position_id} in this session's book")]
        symbol = match["symbol"].iloc[0]
        if trade.symbol is not None and trade.symbol != symbol:
            return None, [CsvProblem(trade.row, "symbol", f"position {trade.position_id} "
                                     f"holds {symbol}, not {trade.symbol}")]
        if match["asset_type"].iloc[0] == "OPTION" and trade.quantity != int(trade.quantity):
            return None, [CsvProblem(trade.row, "quantity", "option quantity must be a "
                                     f"whole number of contracts, got {trade.quantity}")]
        return symbol, []
    holders = book.loc[book["symbol"] == trade.symbol, "position_id"].tolist()
    if len(holders) > 1:
        return None, [CsvProblem(trade.row, "position_id", f"{trade.symbol} is held in "
                                 f"positions {', '.join(map(str, holders))}: give position_id")]
    return trade.symbol, []


def _add_securities(warehouse: Warehouse, settings: Settings, row: dict[str, Any],
                    symbols: list[str]) -> dict[str, str]:
    """Add ``symbols`` with their underlyings to the session, from the stored history or
    loaded now; {symbol: reason} for each that (or whose underlying) has no close."""
    start, end = _window(row)
    families = {symbol: expand_symbols([symbol]) for symbol in symbols}
    wanted = sorted({member for family in families.values() for member in family})
    lacking = missing_history(warehouse, wanted, start, end)
    reasons = load_on_demand(warehouse, settings, lacking) if lacking else {}
    still = set(missing_history(warehouse, wanted, start, end))
    failed = {symbol: f"{member}: {reasons.get(member, 'no close in the session window')}"
              for symbol, family in families.items() for member in family if member in still}
    usable = sorted({member for symbol, family in families.items() if symbol not in failed
                     for member in family})
    if not usable:
        return failed
    clause, params = in_list("w", usable)
    fetched, fetched_params = in_list("f", lacking or [""])
    known = "(select symbol from app.modeling_session_securities where session_id = :s)"
    with warehouse.connect() as conn:
        conn.execute(
            "insert into app.modeling_session_securities (session_id, symbol, asset_type, "
            "underlying_symbol, option_type, strike, expiry_date, short_interest, origin, "
            "added_at) select cast(:s as varchar), symbol, asset_type, underlying_symbol, "
            f"option_type, strike, expiry_date, short_interest, case when symbol in {fetched} "
            "then 'fetched' else 'stored_history' end, cast(:now as timestamp) "
            f"from raw.securities where symbol in {clause} "
            f"and symbol not in {known}",
            {"s": row["id"], "now": utc_now(), **params, **fetched_params})
        conn.execute(
            "insert into app.modeling_session_closes (session_id, symbol, price_date, close) "
            "select cast(:s as varchar), symbol, price_date, close from raw.prices_daily "
            f"where symbol in {clause} and price_date >= :start and price_date <= :end "
            "and symbol not in (select symbol from app.modeling_session_closes "
            "where session_id = :s)", {"s": row["id"], "start": start, "end": end, **params})
        conn.execute("update app.modeling_sessions set inputs_version = inputs_version + 1 "
                     "where id = :s", {"s": row["id"]})
    return failed


def _prepare(warehouse: Warehouse, settings: Settings, user_id: int, session_id: str,
             trades: list[Trade]) -> list[str]:
    """Each trade's symbol, after adding the securities the session lacks; or raise."""
    with warehouse.connect() as conn:
        row = read_session(conn, settings, user_id, session_id)
        if row is None:
            raise SessionNotFound(session_id)
        state = session_state(conn, row)
    problems, resolved = [], []
    for trade in trades:
        symbol, found = _resolve(trade, state)
        problems.extend(found)
        resolved.append(symbol)
    symbols = [symbol for symbol in resolved if symbol is not None]
    if problems or len(symbols) != len(trades):
        raise TradeValidationError(problems)
    unknown = sorted(set(symbols) - set(state.terms["symbol"]))
    failed = _add_securities(warehouse, settings, row, unknown) if unknown else {}
    problems = [CsvProblem(trade.row, "symbol", f"no market data for {failed[symbol]}")
                for trade, symbol in zip(trades, symbols, strict=True) if symbol in failed]
    if problems:
        raise TradeValidationError(problems)
    return symbols


def _priced(trades: list[Trade], symbols: list[str], state: SessionState) -> pd.DataFrame:
    """Trade rows to store: the given price, else the symbol's last close (or a problem)."""
    last_close = state.market.last_close
    frame = pd.DataFrame({
        "position_id": pd.array([t.position_id for t in trades], dtype="Int64"),
        "symbol": symbols,
        "quantity": [str(t.quantity) for t in trades],
        "price": [t.price for t in trades],
    })
    given = frame["price"].notna()
    frame["price"] = frame["price"].where(given, frame["symbol"].map(last_close)).astype(float)
    frame["price_source"] = ["given" if g else "last_close" for g in given]
    problems = [CsvProblem(trade.row, "price", f"{symbol} has no close in the session's "
                           "window: give a price")
                for trade, symbol, price in zip(trades, symbols, frame["price"], strict=True)
                if not price == price]
    if problems:
        raise TradeValidationError(problems)
    return frame


def _live(conn: Connection, settings: Settings, user_id: int,
          session_id: str) -> SessionState:
    row = read_session(conn, settings, user_id, session_id, touch=False)
    if row is None:
        raise SessionNotFound(session_id)
    return session_state(conn, row)


def add_trades(warehouse: Warehouse, settings: Settings, user_id: int, session_id: str,
               rows: list[Any]) -> list[dict[str, Any]]:
    """Validate and store trades; the session's whole trade list after them."""
    trades = validate_trades(rows)
    symbols = _prepare(warehouse, settings, user_id, session_id, trades)
    with warehouse.connect() as conn:
        frame = _priced(trades, symbols, _live(conn, settings, user_id, session_id))
        now = utc_now()
        conn.insert_df("app.modeling_trades", frame.assign(
            session_id=session_id, created_at=now, updated_at=now))
        return trade_list(conn, session_id)


def _current(warehouse: Warehouse, settings: Settings, user_id: int, session_id: str,
             trade_id: int) -> dict[str, Any]:
    with warehouse.connect() as conn:
        row = read_session(conn, settings, user_id, session_id)
        trades = None if row is None else read_trades(conn, session_id)
    found = [] if trades is None else [
        {str(k): v for k, v in t.items()} for t in trades.to_dict("records")
        if t["trade_id"] == trade_id]
    if not found:
        raise SessionNotFound(f"trade {trade_id}")
    return found[0]


def update_trade(warehouse: Warehouse, settings: Settings, user_id: int, session_id: str,
                 trade_id: int, fields: dict[str, Any]) -> list[dict[str, Any]]:
    """Change a trade's ``quantity`` and/or ``price`` (``price: null`` = last close)."""
    current = _current(warehouse, settings, user_id, session_id, trade_id)
    unknown = sorted(set(fields) - {"quantity", "price"})
    merged = {"symbol": current["symbol"], "quantity": current["quantity"],
              "price": current["price"] if current["price_source"] == "given" else None,
              **fields}
    if pd.notna(current["position_id"]):
        merged["position_id"] = int(current["position_id"])
    trade, problems = validate_trade(1, merged)
    problems += [CsvProblem(1, name, f"a trade's {name} cannot change: remove the trade "
                            "and add another") for name in unknown]
    if problems or trade is None:
        raise TradeValidationError(problems)
    symbols = _prepare(warehouse, settings, user_id, session_id, [trade])
    with warehouse.connect() as conn:
        frame = _priced([trade], symbols, _live(conn, settings, user_id, session_id))
        conn.execute("update app.modeling_trades set quantity = :q, price = :p, "
                     "price_source = :src, updated_at = :now where id = :id "
                     "and session_id = :s",
                     {"q": frame["quantity"].iloc[0], "p": float(frame["price"].iloc[0]),
                      "src": frame["price_source"].iloc[0], "now": utc_now(),
                      "id": trade_id, "s": session_id})
        return trade_list(conn, session_id)


def delete_trade(warehouse: Warehouse, settings: Settings, user_id: int, session_id: str,
                 trade_id: int) -> list[dict[str, Any]]:
    """Remove a trade; the remaining trade list."""
    _current(warehouse, settings, user_id, session_id, trade_id)
    with warehouse.connect() as conn:
        conn.execute("delete from app.modeling_trades where id = :id and session_id = :s",
                     {"id": trade_id, "s": session_id})
        return trade_list(conn, session_id)


def trade_list(conn: Connection, session_id: str) -> list[dict[str, Any]]:
    """The session's trades as API rows (quantity as an exact decimal number)."""
    trades: list[dict[str, Any]] = [{str(k): v for k, v in t.items()} for t in
                                    read_trades(conn, session_id).to_dict("records")]
    return [{"id": int(t["trade_id"]), "symbol": t["symbol"],
             "position_id": None if pd.isna(t["position_id"]) else int(t["position_id"]),
             "quantity": Decimal(t["quantity"]), "price": float(t["price"]),
             "price_source": t["price_source"], "created_at": t["created_at"],
             "updated_at": t["updated_at"]} for t in trades]


