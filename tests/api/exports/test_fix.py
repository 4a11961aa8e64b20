"""FIX 4.4 orders: parsed back with simplefix, BodyLength and CheckSum recomputed by hand."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import simplefix

from api.exports.fix import Session, new_order_list, new_order_singles
from api.exports.orders import Order, PositionEffect, Side, orders_to_reach
from ingest.occ import format_occ
from tests.utils.fix_messages import SOH, fields, verify_framing

SESSION = Session("SIGMASIGHT", "BROKER", dt.datetime(2024, 1, 2, 15, 30, 5, 250000,
                                                      tzinfo=dt.UTC))
ORDERS = [
    *orders_to_reach("S1-1", "AAPL240119C00150000", 10, -5, price=4.25,
                     underlying_symbol="AAPL"),
    *orders_to_reach("S1-2", "BRKB240315P00352500", -5, -3, underlying_symbol="BRK.B"),
    *orders_to_reach("S1-3", "BRK.B", Decimal("40.25"), Decimal("-60.25")),
    *orders_to_reach("S1-4", "MSFT", 0, 12.5, price=Decimal("401.10")),
]


def parse(raw: bytes) -> list[simplefix.FixMessage]:
    parser = simplefix.FixParser()
    parser.append_buffer(raw)
    messages = []
    while (message := parser.get_message()) is not None:
        messages.append(message)
    return messages


def order_from_pairs(pairs: dict[int, bytes]) -> Order:
    text = {tag: value.decode() for tag, value in pairs.items()}
    if text[167] == "OPT":
        expiry = dt.datetime.strptime(text[541], "%Y%m%d").date()
        assert text[200] == text[541][:6]
        kind = {"1": "C", "0": "P"}[text[201]]
        assert text[461] == f"O{kind}ASPS"
        assert text[231] == "100"
        assert text[711] == "1"
        symbol = format_occ(text[55], expiry, kind, float(text[202]))
    else:
        symbol = text[55]
        assert text[167] == "CS"
    assert text[40] == ("2" if 44 in text else "1")
    assert text[59] == "0"
    assert text[60] == "20240102-15:30:05.250"
    return Order(text[11], symbol, Side(text[54]), Decimal(text[38]),
                 Decimal(text[44]) if 44 in text else None,
                 PositionEffect(text[77]) if 77 in text else None, text.get(311))


def test_new_order_singles_parse_back_into_the_same_orders():
    raws = new_order_singles(ORDERS, SESSION, first_seq_num=7)
    messages = parse(b"".join(raws))
    assert len(messages) == len(ORDERS) == 6
    for number, (raw, message, order) in enumerate(zip(raws, messages, ORDERS, strict=True)):
        verify_framing(raw)
        assert message.message_type == b"D"
        assert message.get(49) == b"SIGMASIGHT"
        assert message.get(56) == b"BROKER"
        assert message.get(34) == str(7 + number).encode()
        assert message.get(52) == b"20240102-15:30:05.250"
        assert order_from_pairs(dict(fields(raw)[3:-1])) == order


def test_new_order_list_parses_back_into_the_same_orders():
    raw = new_order_list(ORDERS, "S1", SESSION, seq_num=3)
    verify_framing(raw)
    (message,) = parse(raw)
    assert message.message_type == b"E"
    assert (message.get(66), message.get(394)) == (b"S1", b"3")
    assert message.get(68) == message.get(73) == str(len(ORDERS)).encode()
    body = fields(raw)[3:-1]
    starts = [i for i, (tag, _) in enumerate(body) if tag == 11]  # ClOrdID opens an entry
    entries = [dict(body[a:b]) for a, b in zip(starts, [*starts[1:], len(body)], strict=True)]
    assert [int(entry[67]) for entry in entries] == list(range(1, len(ORDERS) + 1))
    assert [order_from_pairs(entry) for entry in entries] == ORDERS


def test_a_stock_order_byte_for_byte():
    order = Order("T-1", "MSFT", Side.BUY, Decimal("12.5"), Decimal("401.1"))
    (raw,) = new_order_singles([order], SESSION)
    body = (b"35=D\x0149=SIGMASIGHT\x0156=BROKER\x0134=1\x0152=20240102-15:30:05.250\x01"
            b"11=T-1\x0155=MSFT\x01167=CS\x0154=1\x0160=20240102-15:30:05.250\x01"
            b"38=12.5\x0140=2\x0144=401.1\x0159=0\x01")
    head = b"8=FIX.4.4\x019=" + str(len(body)).encode() + SOH
    checksum = sum(head + body) % 256
    assert raw == head + body + b"10=" + f"{checksum:03d}".encode() + SOH


def test_option_fields_follow_the_fix44_instrument_order():
    """Tag order of an option order = the FIX 4.4 dictionary's order for NewOrderSingle."""
    (raw,) = new_order_singles(ORDERS[:1], SESSION)
    tags = [tag for tag, _ in fields(raw)]
    assert tags == [8, 9, 35, 49, 56, 34, 52, 11, 55, 461, 167, 200, 541, 201, 202, 231, 711,
                    311, 54, 60, 38, 40, 44, 59, 77, 10]
    values = dict(fields(raw))
    assert values[202] == b"150"
    assert values[311] == b"AAPL"
    assert values[55] == b"AAPL"
    (put,) = new_order_singles(ORDERS[2:3], SESSION)
    put_values = dict(fields(put))
    assert (put_values[55], put_values[311], put_values[202]) == (b"BRKB", b"BRK.B", b"352.5")
    assert (put_values[201], put_values[461]) == (b"0", b"OPASPS")


def test_sending_time_is_utc():
    new_york = Session("A", "B", dt.datetime(2024, 7, 1, 9, 30, tzinfo=ZoneInfo(
        "America/New_York")))
    (raw,) = new_order_singles(ORDERS[-1:], new_york)
    assert dict(fields(raw))[52] == b"20240701-13:30:00.000"
    with pytest.raises(ValueError, match="timezone-aware"):
        Session("A", "B", dt.datetime(2024, 7, 1, 9, 30))
    with pytest.raises(ValueError, match="sender_comp_id"):
        Session("A\x01", "B", SESSION.sent_at)


CASES = [
    # symbol, holding, target → [(side, quantity, effect)]
    ("MSFT", "0", "10", [("1", "10", None)]),
    ("MSFT", "-4", "6", [("1", "10", None)]),  # buying to cover is a buy
    ("MSFT", "10", "7", [("2", "3", None)]),
    ("MSFT", "10", "-5", [("2", "10", None), ("5", "5", None)]),
    ("MSFT", "-2", "-7", [("5", "5", None)]),
    ("MSFT", "0.5", "-0.25", [("2", "0.5", None), ("5", "0.25", None)]),
    ("AAPL240119C00150000", "-3", "2", [("1", "3", "C"), ("1", "2", "O")]),
    ("AAPL240119C00150000", "2", "7", [("1", "5", "O")]),
    ("AAPL240119C00150000", "2", "-3", [("2", "2", "C"), ("2", "3", "O")]),
    ("AAPL240119C00150000", "-1", "-6", [("2", "5", "O")]),
    ("MSFT", "7", "7", []),
]


@pytest.mark.parametrize(("symbol", "holding", "target", "expected"), CASES)
def test_orders_to_reach(symbol, holding, target, expected):
    orders = orders_to_reach("X", symbol, Decimal(holding), Decimal(target))
    got = [(o.side.value, str(o.quantity), o.position_effect and o.position_effect.value)
           for o in orders]
    assert got == expected
    signed = sum(o.quantity * (1 if o.side is Side.BUY else -1) for o in orders)
    assert Decimal(holding) + signed == Decimal(target)
    ids = [o.cl_ord_id for o in orders]
    assert ids == (["X"] if len(orders) == 1 else [f"X-{n}" for n in range(1, len(orders) + 1)])


def test_float_holdings_give_exact_decimal_changes():
    assert 100.1 - 100.0 != 0.1  # the float difference is 0.09999999999999432
    (order,) = orders_to_reach("X", "MSFT", 100.0, 100.1)
    assert order.quantity == Decimal("0.1")
    (raw,) = new_order_singles([order], SESSION)
    assert dict(fields(raw))[38] == b"0.1"


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"symbol": "AAPL240119C00150000", "quantity": Decimal("1.5"),
      "position_effect": PositionEffect.OPEN}, "whole contracts"),
    ({"quantity": Decimal(0)}, "positive"),
    ({"quantity": Decimal("NaN")}, "positive"),
    ({"price": Decimal("-1")}, "limit price"),
    ({"symbol": "msft"}, "upper case"),
    ({"symbol": "AAPL  240119C00150000", "position_effect": PositionEffect.OPEN},
     "must be written"),
    ({"position_effect": PositionEffect.OPEN}, "position_effect"),
    ({"cl_ord_id": "a\x01b"}, "ClOrdID"),
])
def test_invalid_orders_are_refused(kwargs, message):
    fields_ = {"cl_ord_id": "X", "symbol": "MSFT", "side": Side.BUY, "quantity": Decimal(1),
               **kwargs}
    with pytest.raises(ValueError, match=message):
        Order(**fields_)
