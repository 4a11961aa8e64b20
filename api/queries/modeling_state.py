"""The frozen state of a what-if session, read once and remembered per inputs version.

:func:`session_state` reads the session's frozen book, security terms, tags and closes
and derives its market inputs (:func:`python_models.market.session_market`: returns,
betas, VaR covariance). The result depends only on ``(session id, inputs_version)``:
the frozen rows never change, and adding a security bumps ``inputs_version`` in the
same transaction. So it is kept in a small per-process LRU and each request reads only
the session row and its trades.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from api.queries.modeling_sessions import SessionNotFound, read_session
from ingest.config import Settings
from ingest.warehouse import Connection, Warehouse
from python_models.columns import Keyed
from python_models.conventions import OPTION_MULTIPLIER
from python_models.incremental import IncrementalBook, prepare
from python_models.market import SessionMarket, session_market
from python_models.proforma import POSITION_COLUMNS, TERM_COLUMNS, Holdings, position_types
from python_models.risk_step import with_option_inputs

BASE_BOOK, PRO_FORMA_BOOK = 0, 1
MAX_REMEMBERED = 32


@dataclass(frozen=True)
class SessionState:
    """Everything frozen in a session (frames as :mod:`python_models.proforma` wants)."""

    book: pd.DataFrame        # POSITION_COLUMNS (portfolio_id = BASE_BOOK) + entry terms
    terms: pd.DataFrame       # TERM_COLUMNS + short_interest, origin, added_at
    tags: pd.DataFrame        # position_id, tag_id, tag_name
    market: SessionMarket
    incremental: IncrementalBook  # the current book's risk and contributions
    holdings: Holdings        # the book keyed for netting trades
    term_lookup: Keyed        # terms by symbol
    last_close: dict[Any, float]  # the window's latest close per symbol
    on_demand: tuple[dict[str, Any], ...]  # securities added after the freeze


def with_terms(frame: pd.DataFrame) -> pd.DataFrame:
    """``multiplier`` from the asset type (100 for options, 1 otherwise)."""
    return frame.assign(multiplier=np.where(frame["asset_type"] == "OPTION",
                                            OPTION_MULTIPLIER, 1))


def _read(conn: Connection, row: dict[str, Any]) -> SessionState:
    params = {"s": row["id"]}
    terms = with_terms(conn.fetch_df(
        "select symbol, underlying_symbol, asset_type, option_type, strike, expiry_date, "
        "short_interest, origin, added_at from app.modeling_session_securities "
        "where session_id = :s order by symbol", params))
    positions = conn.fetch_df(
        "select position_id, symbol, quantity, price, entry_price, entry_date "
        "from app.modeling_session_positions where session_id = :s order by position_id",
        params)
    book = positions.merge(terms[TERM_COLUMNS], on="symbol", how="left")
    book["portfolio_id"] = BASE_BOOK
    book["position_type"] = position_types(book["asset_type"], book["option_type"],
                                           book["quantity"])
    book = book[[*POSITION_COLUMNS, "entry_price", "entry_date"]]
    tags = conn.fetch_df(
        "select position_id, tag_id, tag_name from app.modeling_session_position_tags "
        "where session_id = :s order by position_id, tag_id", params)
    prices = conn.fetch_df("select symbol, price_date, close from app.modeling_session_closes "
                           "where session_id = :s", params)
    sessions = pd.DatetimeIndex(pd.to_datetime(json.loads(row["sessions"])))
    market = session_market(sessions, prices, terms[["symbol", "short_interest"]],
                            sorted(set(terms["underlying_symbol"])),
                            pd.Timestamp(row["as_of_date"]), float(row["risk_free_rate"]))
    underlyings = pd.DataFrame({"underlying_symbol": sorted(set(terms["underlying_symbol"])),
                                "expiry_date": pd.NaT})
    inputs = with_option_inputs(underlyings, market.closes, market.returns, market.as_of,
                                market.rate)
    books = pd.DataFrame({"portfolio_id": [BASE_BOOK], "equity": [row["equity"]],
                          "portfolio_value": [row["portfolio_value"]]}).astype(
        {"equity": float, "portfolio_value": float})
    current = book[POSITION_COLUMNS]
    added = terms[terms["origin"] != "batch"]
    return SessionState(book, terms, tags, market,
                        prepare(current, market, books, tags, inputs), Holdings.of(current),
                        Keyed(terms[TERM_COLUMNS], "symbol"), market.last_close.to_dict(),
                        tuple({"symbol": r.symbol, "origin": r.origin, "added_at": r.added_at}
                              for r in added.itertuples()))


class _Remembered:
    """A small LRU of session states keyed by (session id, inputs version)."""

    def __init__(self, size: int = MAX_REMEMBERED):
        self.size = size
        self._states: OrderedDict[tuple[str, int], SessionState] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[str, int]) -> SessionState | None:
        with self._lock:
            state = self._states.get(key)
            if state is not None:
                self._states.move_to_end(key)
            return state

    def put(self, key: tuple[str, int], state: SessionState) -> None:
        with self._lock:
            self._states[key] = state
            self._states.move_to_end(key)
            while len(self._states) > self.size:
                self._states.popitem(last=False)

    def forget(self, session_id: str) -> None:
        with self._lock:
            for key in [k for k in self._states if k[0] == session_id]:
                del self._states[key]


REMEMBERED = _Remembered()


def session_state(conn: Connection, row: dict[str, Any]) -> SessionState:
    """The session's frozen state (remembered per ``(id, inputs_version)``)."""
    key = (row["id"], int(row["inputs_version"]))
    state = REMEMBERED.get(key)
    if state is None:
        state = _read(conn, row)
        REMEMBERED.put(key, state)
    return state


def load_live(warehouse: Warehouse, settings: Settings, user_id: int, session_id: str
              ) -> tuple[dict[str, Any], SessionState, list[dict[str, Any]]]:
    """The user's live session row, its frozen state and its trades (:func:`trade_records`),
    in one transaction.

    Raises
    ------
    SessionNotFound
        When the session is not the user's, or has expired.
    """
    with warehouse.connect() as conn:
        row = read_session(conn, settings, user_id, session_id)
        if row is None:
            raise SessionNotFound(session_id)
        return row, session_state(conn, row), trade_records(conn, session_id)


TRADES_SQL = ("select id as trade_id, position_id, symbol, quantity, price, price_source, "
              "created_at, updated_at from app.modeling_trades where session_id = :s "
              "order by id")


def read_trades(conn: Connection, session_id: str) -> pd.DataFrame:
    """The session's trades in order: ``trade_id, position_id, symbol, quantity, price,
    price_source, created_at, updated_at`` (``quantity`` exact decimal text)."""
    return conn.fetch_df(TRADES_SQL, {"s": session_id})


def trade_records(conn: Connection, session_id: str) -> list[dict[str, Any]]:
    """:func:`read_trades` as records (``position_id`` None = by symbol): a request reads
    a few trades, cheaper as tuples than as a frame."""
    return conn.fetch_dicts(TRADES_SQL, {"s": session_id})
