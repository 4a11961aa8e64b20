"""A session with its trades, and its exports: the trade list as CSV, the orders as FIX.

FIX: for each position the trades touch, the orders that take it from its current
quantity to its pro-forma quantity (:func:`api.exports.orders.orders_to_reach`: exact
decimals, short sales and option open/close marked), ``ClOrdID`` = the session id's
first 8 characters + the position's place; a limit order is priced at the last trade
price on the position, rounded to the cent. SenderCompID / TargetCompID come from the settings.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from fastapi import Response
from fastapi.responses import StreamingResponse

from api.exports.csv_stream import csv_response
from api.exports.fix import Session, new_order_list, new_order_singles
from api.exports.orders import as_decimal, orders_to_reach
from api.queries.modeling_sessions import SessionNotFound, public, read_session
from api.queries.modeling_state import load_live
from api.queries.modeling_trades import trade_list
from ingest.config import Settings
from ingest.warehouse import Warehouse
from python_models.proforma import position_changes

TRADE_CSV_COLUMNS = ["trade_id", "symbol", "position_id", "quantity", "price", "price_source",
                     "created_at", "updated_at"]
FIX_MEDIA_TYPE = "application/octet-stream"


def cents(price: float) -> Decimal:
    """A limit price rounded to the cent (half to even)."""
    return as_decimal(float(price)).quantize(Decimal("0.01"))


def session_with_trades(warehouse: Warehouse, settings: Settings, user_id: int,
                        session_id: str) -> dict[str, Any] | None:
    """The session (with counts) and its trades; None when not the user's or expired."""
    with warehouse.connect() as conn:
        row = read_session(conn, settings, user_id, session_id)
        if row is None:
            return None
        trades = trade_list(conn, session_id)
        count = conn.fetch_one("select count(*) as n from app.modeling_session_positions "
                               "where session_id = :s", {"s": session_id})
    return {"session": public(row, settings, n_positions=int(count["n"] if count else 0),
                              n_trades=len(trades)), "trades": trades}


def trades_csv(warehouse: Warehouse, settings: Settings, user_id: int,
               session_id: str) -> StreamingResponse:
    found = session_with_trades(warehouse, settings, user_id, session_id)
    if found is None:
        raise SessionNotFound(session_id)
    rows = ((t["id"], t["symbol"], t["position_id"], t["quantity"], t["price"],
             t["price_source"], t["created_at"], t["updated_at"]) for t in found["trades"])
    return csv_response(f"session-{session_id}-trades.csv", TRADE_CSV_COLUMNS, rows)


def trades_fix(warehouse: Warehouse, settings: Settings, user_id: int, session_id: str,
               message: str, order_type: str, now: dt.datetime) -> Response:
    row, state, trades = load_live(warehouse, settings, user_id, session_id)
    changes = position_changes(state.book, trades) if len(trades) else None
    orders = []
    if changes is not None:
        underlying = state.terms.set_index("symbol")["underlying_symbol"]
        for place, change in enumerate(changes.to_dict("records"), start=1):
            orders += orders_to_reach(
                f"{session_id[:8]}-{place}", str(change["symbol"]), change["current"],
                change["target"], cents(change["price"]) if order_type == "limit" else None,
                underlying.get(change["symbol"]))
    session = Session(settings.fix_sender_comp_id, settings.fix_target_comp_id, now)
    if not orders:
        body = b""
    elif message == "list":
        body = new_order_list(orders, session_id[:20], session)
    else:
        body = b"".join(new_order_singles(orders, session))
    return Response(body, media_type=FIX_MEDIA_TYPE, headers={
        "Content-Disposition": f'attachment; filename="session-{session_id}-orders.fix"',
        "X-Order-Count": str(len(orders))})
