"""OCC option symbols and tickers: hand-decoded examples, precise errors, round trip."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ingest.occ import (
    ROOT_RE,
    OccSymbol,
    OccSymbolError,
    SymbolError,
    format_occ,
    is_option_symbol,
    parse_occ,
    parse_symbol,
)

AAPL_CALL = OccSymbol("AAPL", dt.date(2024, 1, 19), "C", 150.0)


@pytest.mark.parametrize(("text", "expected"), [
    ("AAPL240119C00150000", AAPL_CALL),
    ("AAPL  240119C00150000", AAPL_CALL),          # OCC's padded 21-character form
    ("O:AAPL240119C00150000", AAPL_CALL),          # Polygon's option ticker
    ("  AAPL240119C00150000 ", AAPL_CALL),
    ("SPY251219P00450500", OccSymbol("SPY", dt.date(2025, 12, 19), "P", 450.5)),
    ("F     250117C00000500", OccSymbol("F", dt.date(2025, 1, 17), "C", 0.5)),
    ("GOOGL240229P01234567", OccSymbol("GOOGL", dt.date(2024, 2, 29), "P", 1234.567)),
    ("AAPL1240119C00150000", OccSymbol("AAPL1", dt.date(2024, 1, 19), "C", 150.0)),
    ("BRKB  260320C99999999", OccSymbol("BRKB", dt.date(2026, 3, 20), "C", 99999.999)),
])
def test_parse_decodes_root_expiry_type_and_strike_in_thousandths(text, expected):
    assert parse_occ(text) == expected


def test_symbol_forms_of_a_parsed_option():
    assert AAPL_CALL.symbol == "AAPL240119C00150000"
    assert AAPL_CALL.padded == "AAPL  240119C00150000"
    assert len(AAPL_CALL.padded) == 21
    assert AAPL_CALL.polygon_ticker == "O:AAPL240119C00150000"


@pytest.mark.parametrize(("text", "reason"), [
    ("aapl240119c00150000", "upper case"),
    ("AAPL240119c00150000", "upper case"),
    ("A240119C0015000", "has 7 digits, expected 8"),
    ("AB12", "wrong length: 4"),
    ("ABCDEFG240119C00150000", "wrong length: 22"),
    ("AAPL241319C00150000", "bad expiry date"),
    ("AAPL240230C00150000", "bad expiry date"),
    ("AAPL230229C00150000", "bad expiry date"),
    ("AAPL240100C00150000", "bad expiry date"),
    ("AAPL24011C00150000", "has 5 digits, expected 6"),
    ("AAPL240119C0015000", "has 7 digits, expected 8"),
    ("AAPL240119X00150000", "C or P"),
    ("AAPL240119C00000000", "must be positive"),
    ("AAPL240119C0015000A", "bad strike"),
    ("AAPL 240119C00150000", "spaces are allowed only as padding"),
    ("  AAPL240119C00150000X", "must end with the 8-digit strike"),
    ("1AAP  240119C00150000", "malformed root"),
    ("A.B   240119C00150000", "malformed root"),
    ("AAPL2A0119C00150000", "not 6 digits"),
])
def test_parse_refuses_with_the_precise_reason(text, reason):
    with pytest.raises(OccSymbolError, match=reason):
        parse_occ(text)


def test_format_writes_the_compact_form():
    assert format_occ("SPY", dt.date(2025, 12, 19), "P", 450.5) == "SPY251219P00450500"
    assert format_occ("F", dt.date(2025, 1, 17), "C", 0.001) == "F250117C00000001"


@pytest.mark.parametrize(("args", "reason"), [
    (("spy", dt.date(2025, 1, 17), "C", 1.0), "malformed root"),
    (("SPY", dt.date(2100, 1, 15), "C", 1.0), "outside 2000-2099"),
    (("SPY", dt.date(2025, 1, 17), "X", 1.0), "C or P"),
    (("SPY", dt.date(2025, 1, 17), "C", 0.0), "positive multiple"),
    (("SPY", dt.date(2025, 1, 17), "C", -5.0), "positive multiple"),
    (("SPY", dt.date(2025, 1, 17), "C", 1.0005), "positive multiple"),
    (("SPY", dt.date(2025, 1, 17), "C", 100_000.0), "positive multiple"),
])
def test_format_refuses_what_cannot_be_written(args, reason):
    with pytest.raises(OccSymbolError, match=reason):
        format_occ(*args)


@pytest.mark.parametrize(("text", "expected"), [
    ("AAPL240119C00150000", True),
    ("AAPL  240119C00150000", True),
    ("O:SPY251219P00450500", True),
    ("AAPL24011C", True),            # a broken attempt still goes to the OCC parser
    ("AAPL", False),
    ("BRK.B", False),
    ("AAPL1", False),                # not longer than a ticker
    ("ABCDEFGH", False),             # no digit
    ("=SUM(1)", False),              # does not start with a letter
    ("", False),
])
def test_is_option_symbol(text, expected):
    assert is_option_symbol(text) is expected


@pytest.mark.parametrize("ticker", ["A", "AAPL", "GOOGL", "ABCDEF", "BRK.B", "BF-B", "RDS.AB"])
def test_valid_tickers_are_kept_as_written(ticker):
    assert parse_symbol(ticker) == (ticker, None)


@pytest.mark.parametrize(("text", "reason"), [
    ("aapl", "did you mean 'AAPL'"),
    ("Brk.b", "did you mean 'BRK.B'"),
    ("", "ticker is empty"),
    ("ABCDEFG", "not a valid ticker"),
    ("BRK.", "not a valid ticker"),
    ("BRK.BBB", "not a valid ticker"),
    ("AA PL", "not a valid ticker"),
    ("$AAPL", "not a valid ticker"),
    ("AAPL1", "not a valid ticker"),
    ("ÄAPL", "not a valid ticker"),
])
def test_invalid_tickers_are_refused(text, reason):
    with pytest.raises(SymbolError, match=reason):
        parse_symbol(text)


def test_parse_symbol_normalises_options_to_the_compact_form():
    assert parse_symbol("AAPL  240119C00150000") == ("AAPL240119C00150000", AAPL_CALL)


roots = st.from_regex(ROOT_RE, fullmatch=True)
expiries = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2099, 12, 31))
thousandths = st.integers(min_value=1, max_value=99_999_999)


@given(roots, expiries, st.sampled_from(["C", "P"]), thousandths)
def test_format_then_parse_round_trips(root, expiry, option_type, strike_thousandths):
    strike = strike_thousandths / 1000
    compact = format_occ(root, expiry, option_type, strike)
    expected = OccSymbol(root, expiry, option_type, strike)
    assert len(compact) == len(root) + 15
    assert compact[-8:] == f"{strike_thousandths:08d}"
    assert parse_occ(compact) == expected
    assert parse_occ(expected.padded) == expected
    assert parse_symbol(expected.padded) == (compact, expected)
    assert expected.symbol == compact


@given(st.text(max_size=30))
def test_parse_symbol_only_ever_raises_symbol_errors(text):
    try:
        symbol, occ = parse_symbol(text)
    except SymbolError:
        return
    assert occ is None or occ.symbol == symbol
