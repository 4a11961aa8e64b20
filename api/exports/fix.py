"""FIX 4.4 order messages built with simplefix: NewOrderSingle (35=D), NewOrderList (35=E).

Every message carries the standard header BeginString ``FIX.4.4`` (8), BodyLength (9),
MsgType (35), SenderCompID (49), TargetCompID (56), MsgSeqNum (34), SendingTime (52,
UTC, milliseconds) and ends with CheckSum (10); simplefix computes BodyLength (bytes
after the ``9=…|`` field up to and including the SOH before ``10=``) and CheckSum (sum
of every byte before ``10=``, mod 256, three digits).

Order fields, in the FIX 4.4 dictionary's order:

- ClOrdID (11); in a list also ListSeqNo (67, from 1);
- Instrument: Symbol (55). Stocks and ETFs: SecurityType (167) ``CS`` (FIX 4.4 has no
  ETF type; exchange-traded funds trade as common stock). Options: Symbol = the OCC
  root, CFICode (461) ``OCASPS`` / ``OPASPS`` (ISO 10962: option, call/put, American —
  US listed equity and ETF options are American-style —, stock underlying, physical
  delivery, standardised), SecurityType ``OPT``, MaturityMonthYear (200) ``YYYYMM``,
  MaturityDate (541) ``YYYYMMDD``, PutOrCall (201) 1 call / 0 put, StrikePrice (202),
  ContractMultiplier (231) 100, and one underlying (NoUnderlyings 711 = 1,
  UnderlyingSymbol 311);
- Side (54) 1 buy / 2 sell / 5 sell short; TransactTime (60);
- OrderQty (38) in plain decimal notation (shares may be fractional, contracts whole);
- OrdType (40) 2 limit with Price (44), or 1 market without;
- TimeInForce (59) 0 day; options: PositionEffect (77) O open / C close.

A NewOrderList also has ListID (66), BidType (394) 3 = no bidding process, TotNoOrders
(68) and the repeating group NoOrders (73) whose entries start with ClOrdID.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import simplefix

from api.exports.orders import Order, as_decimal, plain
from python_models.conventions import OPTION_MULTIPLIER

BEGIN_STRING = "FIX.4.4"
MSGTYPE_NEW_ORDER_SINGLE = "D"
MSGTYPE_NEW_ORDER_LIST = "E"
BIDTYPE_NO_BIDDING_PROCESS = "3"
TIME_IN_FORCE_DAY = "0"
ORDTYPE_MARKET, ORDTYPE_LIMIT = "1", "2"
CFI_CODES = {"C": "OCASPS", "P": "OPASPS"}
PUT_OR_CALL = {"C": "1", "P": "0"}


@dataclass(frozen=True)
class Session:
    """Who sends to whom, and when (``sent_at`` timezone-aware, written in UTC)."""

    sender_comp_id: str
    target_comp_id: str
    sent_at: dt.datetime

    def __post_init__(self) -> None:
        if self.sent_at.tzinfo is None:
            raise ValueError("sent_at must be timezone-aware")
        for name in ("sender_comp_id", "target_comp_id"):
            value = getattr(self, name)
            if not value or not value.isascii() or not value.isprintable():
                raise ValueError(f"{name} must be non-empty printable ASCII")

    @property
    def utc(self) -> dt.datetime:
        return self.sent_at.astimezone(dt.UTC)


def _header(message_type: str, session: Session, seq_num: int) -> simplefix.FixMessage:
    message = simplefix.FixMessage()
    message.append_pair(8, BEGIN_STRING, header=True)
    message.append_pair(35, message_type, header=True)
    message.append_pair(49, session.sender_comp_id, header=True)
    message.append_pair(56, session.target_comp_id, header=True)
    message.append_pair(34, seq_num, header=True)
    message.append_utc_timestamp(52, session.utc, precision=3, header=True)
    return message


def _append_order(message: simplefix.FixMessage, order: Order, session: Session,
                  list_seq_no: int | None = None) -> None:
    message.append_pair(11, order.cl_ord_id)
    if list_seq_no is not None:
        message.append_pair(67, list_seq_no)
    option = order.option
    if option is None:
        message.append_pair(55, order.symbol)
        message.append_pair(167, "CS")
    else:
        message.append_pair(55, option.root)
        message.append_pair(461, CFI_CODES[option.option_type])
        message.append_pair(167, "OPT")
        message.append_pair(200, f"{option.expiry:%Y%m}")
        message.append_pair(541, f"{option.expiry:%Y%m%d}")
        message.append_pair(201, PUT_OR_CALL[option.option_type])
        message.append_pair(202, plain(as_decimal(option.strike)))
        message.append_pair(231, OPTION_MULTIPLIER)
        message.append_pair(711, 1)
        message.append_pair(311, order.underlying_symbol or option.root)
    message.append_pair(54, order.side.value)
    message.append_utc_timestamp(60, session.utc, precision=3)
    message.append_pair(38, plain(order.quantity))
    if order.price is None:
        message.append_pair(40, ORDTYPE_MARKET)
    else:
        message.append_pair(40, ORDTYPE_LIMIT)
        message.append_pair(44, plain(order.price))
    message.append_pair(59, TIME_IN_FORCE_DAY)
    if order.position_effect is not None:
        message.append_pair(77, order.position_effect.value)


def new_order_singles(orders: Sequence[Order], session: Session,
                      first_seq_num: int = 1) -> list[bytes]:
    """One NewOrderSingle (35=D) per order, MsgSeqNum from ``first_seq_num`` up."""
    messages = []
    for offset, order in enumerate(orders):
        message = _header(MSGTYPE_NEW_ORDER_SINGLE, session, first_seq_num + offset)
        _append_order(message, order, session)
        messages.append(message.encode())
    return messages


def new_order_list(orders: Sequence[Order], list_id: str, session: Session,
                   seq_num: int = 1) -> bytes:
    """One NewOrderList (35=E) holding every order (ListSeqNo 1, 2, …)."""
    if not orders:
        raise ValueError("a NewOrderList needs at least one order")
    if not list_id or not list_id.isascii() or not list_id.isprintable():
        raise ValueError(f"ListID must be printable ASCII, got {list_id!r}")
    message = _header(MSGTYPE_NEW_ORDER_LIST, session, seq_num)
    message.append_pair(66, list_id)
    message.append_pair(394, BIDTYPE_NO_BIDDING_PROCESS)
    message.append_pair(68, len(orders))
    message.append_pair(73, len(orders))
    for number, order in enumerate(orders, start=1):
        _append_order(message, order, session, list_seq_no=number)
    return message.encode()
