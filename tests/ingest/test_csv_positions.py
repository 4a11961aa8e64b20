"""The positions CSV parser: valid files parse to hand-checked rows; every bad file is
refused with the right row, column and reason (corpus in ``bad_csv/``)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.csv_positions import (
    CsvProblem,
    CsvTooLargeError,
    CsvValidationError,
    parse_positions_csv,
    problem_dicts,
)
from ingest.occ import OccSymbol
from ingest.spreadsheet import neutralise_formula

TODAY = dt.date(2024, 6, 28)
SPEC_SAMPLE = Path(__file__).parent / "data" / "spec_sample.csv"  # the design sample
CORPUS = Path(__file__).parent / "bad_csv"
HEADER = "ticker,quantity,entry_price,entry_date,tags\n"


def parse(text: str | bytes, **kwargs):
    data = text.encode() if isinstance(text, str) else text
    return parse_positions_csv(data, today=TODAY, **kwargs)


def problems_of(text: str | bytes, **kwargs) -> list[CsvProblem]:
    with pytest.raises(CsvValidationError) as caught:
        parse(text, **kwargs)
    return caught.value.problems


# --- valid files ---------------------------------------------------------------------

SPEC_ROWS = [  # written out by hand from the spec's sample file
    (1, "AAPL", 1000.0, 150.0, dt.date(2024, 1, 15), ("momentum", "tech"), None),
    (2, "MSFT", -500.0, 380.0, dt.date(2024, 1, 20), ("hedge", "tech"), None),
    (3, "AAPL240119C00150000", 10.0, 5.5, dt.date(2024, 1, 10), ("hedge", "options"),
     OccSymbol("AAPL", dt.date(2024, 1, 19), "C", 150.0)),
]


def test_spec_sample_parses_to_the_hand_written_rows():
    rows = parse_positions_csv(SPEC_SAMPLE.read_bytes(), today=TODAY)
    got = [(r.row_number, r.symbol, r.quantity, r.entry_price, r.entry_date, r.tags, r.occ)
           for r in rows]
    assert got == SPEC_ROWS
    assert [r.is_option for r in rows] == [False, False, True]


def test_spec_header_spelling_bom_crlf_case_and_column_order_are_accepted():
    text = ("\ufeff Entry_Date ,CSVTICKER,Quantity,ENTRY_PRICE\r\n"
            "2024-01-15,AAPL,1000,150.00\r\n"
            "2024-01-20 , MSFT ,-500, 380\r\n")
    rows = parse(text)
    assert [(r.symbol, r.quantity, r.entry_price, r.entry_date, r.tags) for r in rows] == [
        ("AAPL", 1000.0, 150.0, dt.date(2024, 1, 15), ()),
        ("MSFT", -500.0, 380.0, dt.date(2024, 1, 20), ()),
    ]


def test_numbers_fractional_shares_padded_occ_and_today_are_accepted():
    rows = parse(HEADER
                 + "BRK.B,0.5,+412.25,2024-06-28,\n"
                 + "SPY   251219P00450500,-3,1.5E1,2024-06-03\n"
                 + "BF-B,-2.5e2,.75,1970-01-01,x\n")
    assert [(r.symbol, r.quantity, r.entry_price, r.entry_date) for r in rows] == [
        ("BRK.B", 0.5, 412.25, TODAY),
        ("SPY251219P00450500", -3.0, 15.0, dt.date(2024, 6, 3)),
        ("BF-B", -250.0, 0.75, dt.date(1970, 1, 1)),
    ]
    assert rows[1].occ == OccSymbol("SPY", dt.date(2025, 12, 19), "P", 450.5)


def test_tags_are_trimmed_lower_cased_and_deduplicated_case_insensitively():
    rows = parse(HEADER + 'AAPL,1,1,2024-01-15," Tech , tech,MOMENTUM,Long_Term.v2 , a-b "\n'
                 + "MSFT,1,1,2024-01-15,   \n")
    assert rows[0].tags == ("tech", "momentum", "long_term.v2", "a-b")
    assert rows[1].tags == ()


def test_twenty_distinct_tags_are_allowed_and_repeats_do_not_count():
    tags = ",".join(f"t{i}" for i in range(1, 21)) + ",T1,t20"
    (row,) = parse(HEADER + f'AAPL,1,1,2024-01-15,"{tags}"\n')
    assert row.tags == tuple(f"t{i}" for i in range(1, 21))


def test_blank_rows_are_skipped_but_keep_their_row_number():
    rows = parse(HEADER + "AAPL,1,1,2024-01-15,\n\n,,,,\nMSFT,1,1,2024-01-15,\n")
    assert [(r.row_number, r.symbol) for r in rows] == [(1, "AAPL"), (4, "MSFT")]
    problems = problems_of(HEADER + "AAPL,1,1,2024-01-15,\n\nMSFT,0,1,2024-01-15,\n")
    assert [(p.row, p.column) for p in problems] == [(3, "quantity")]


def test_same_symbol_on_another_date_is_not_a_duplicate():
    rows = parse(HEADER + "AAPL,1,1,2024-01-15,\nAAPL,2,1,2024-01-16,\n")
    assert [r.quantity for r in rows] == [1.0, 2.0]


# --- rejected files ------------------------------------------------------------------

def _corpus() -> list:
    cases = []
    for line in (CORPUS / "README.md").read_text().splitlines():
        if " | " not in line or not line.split(" | ", 1)[0].endswith(".csv"):
            continue
        name, row, column, count, fragment, _ = (part.strip() for part in line.split(" | "))
        cases.append(pytest.param(name, None if row == "-" else int(row),
                                  None if column == "-" else column, int(count), fragment,
                                  id=name))
    return cases


CORPUS_CASES = _corpus()


def test_the_corpus_is_complete():
    files = {path.name for path in CORPUS.glob("*.csv")}
    assert len(CORPUS_CASES) >= 30
    assert files == {case.values[0] for case in CORPUS_CASES}


@pytest.mark.parametrize(("name", "row", "column", "count", "fragment"), CORPUS_CASES)
def test_corpus_file_is_rejected_with_row_column_and_reason(name, row, column, count, fragment):
    problems = problems_of((CORPUS / name).read_bytes())
    assert len(problems) == count, problems
    assert any(p.row == row and p.column == column and fragment in p.message
               for p in problems), problems


def test_every_problem_of_a_file_is_reported_in_row_then_column_order():
    text = ("ticker,quantity,entry_price,entry_date,tags,notes\n"
            "aapl,0,-1,2024-02-30,=x,\n"
            "AAPL240119C00150000,2.5,1,2024-02-01,ok,\n"
            "MSFT,1,1,2024-01-05,,\n"
            "MSFT,1,1,2024-01-05,,\n")
    got = [(p.row, p.column) for p in problems_of(text)]
    assert got == [
        (0, "notes"),
        (1, "ticker"), (1, "quantity"), (1, "entry_price"), (1, "entry_date"), (1, "tags"),
        (2, "quantity"), (2, "entry_date"),
        (4, "ticker"),
    ]


def test_missing_column_is_reported_once_not_per_row():
    problems = problems_of("ticker,quantity,entry_date\nAAPL,1,2024-01-15\nMSFT,x,2024-01-15\n")
    assert [(p.row, p.column) for p in problems] == [(0, "entry_price"), (2, "quantity")]


def test_short_rows_are_padded_only_when_the_missing_columns_are_optional():
    (row,) = parse(HEADER + "AAPL,1,1,2024-01-15\n")
    assert row.tags == ()
    problems = problems_of("tags,ticker,quantity,entry_price,entry_date\nx,AAPL,1,1\n")
    assert [(p.row, p.column) for p in problems] == [(1, None)]


def test_an_entry_date_on_the_expiry_date_is_allowed():
    (row,) = parse(HEADER + "AAPL240119C00150000,-2,5.5,2024-01-19,\n")
    assert row.entry_date == row.occ.expiry


def test_problem_dicts_are_json_ready():
    problems = problems_of(HEADER + "AAPL,0,1,2024-01-15,\n")
    assert problem_dicts(problems) == [
        {"row": 1, "column": "quantity", "message": "quantity must not be zero"}]


# --- size limits (generated at runtime, not committed) -------------------------------

def test_a_20_megabyte_file_is_too_large():
    row = b"AAPL,100,150.00,2024-01-15,tech\n"
    data = HEADER.encode() + row * (20_000_000 // len(row))
    with pytest.raises(CsvTooLargeError) as caught:
        parse(data)
    assert caught.value.size == len(data) > 20_000_000 - len(row)
    assert caught.value.max_bytes == 5_000_000


def test_the_size_limit_is_inclusive():
    data = (HEADER + "AAPL,100,150,2024-01-15,tech\n").encode()
    assert len(parse(data, max_bytes=len(data))) == 1
    with pytest.raises(CsvTooLargeError):
        parse(data, max_bytes=len(data) - 1)


def test_magnitude_bounds_are_inclusive_and_each_side_is_refused():
    # the bounds of ingest.magnitudes, written out: 1e-6 <= |q| <= 1e9, 1e-6 <= p <= 1e7
    ok = parse(HEADER + "AAPL,1000000000,10000000,2024-01-15,\n"
               "MSFT,-0.000001,0.000001,2024-01-15,\n")
    assert [(r.quantity, r.entry_price) for r in ok] == [(1e9, 1e7), (-1e-6, 1e-6)]
    problems = problems_of(HEADER + "AAPL,-1000000001,150,2024-01-15,\n"
                           "MSFT,0.0000009,150,2024-01-15,\n"
                           "GOOG,1,10000001,2024-01-15,\n"
                           "AMZN,1,0.0000009,2024-01-15,\n")
    assert [(p.row, p.column) for p in problems] == [
        (1, "quantity"), (2, "quantity"), (3, "entry_price"), (4, "entry_price")]
    assert all("out of bounds" in p.message for p in problems)


def test_100_000_rows_are_too_many():
    data = (HEADER + "".join(f"S{i:05d},1,1,2024-01-15,\n" for i in range(100_000))).encode()
    assert len(data) < 5_000_000  # the row limit, not the size limit, refuses it
    problems = problems_of(data)
    assert [(p.row, p.column) for p in problems] == [(10_001, None)]
    assert "more than 10000 data rows" in problems[0].message


def test_the_row_limit_is_inclusive_and_ignores_blank_rows():
    rows = "".join(f"T{chr(65 + i)},1,1,2024-01-15,\n\n" for i in range(5))
    assert len(parse(HEADER + rows, max_rows=5)) == 5
    problems = problems_of(HEADER + rows + "ZZ,1,1,2024-01-15,\n", max_rows=5)
    assert [(p.row, p.column) for p in problems] == [(11, None)]


def test_an_error_lists_the_first_problems_in_row_order_and_counts_them_all():
    # rows 1..300: a bad price; rows 2, 4, ...: also a bad tag -> 450 problems in all
    rows = "".join(f"X{chr(65 + i // 26)}{chr(65 + i % 26)},1,-1,2024-01-15,"
                   f"{'=x' if i % 2 == 0 else ''}\n" for i in range(1, 301))
    with pytest.raises(CsvValidationError) as caught:
        parse(HEADER + rows, max_problems=7)
    error = caught.value
    assert error.total == 300 + 150
    assert [(p.row, p.column) for p in error.problems] == [
        (1, "entry_price"), (2, "entry_price"), (2, "tags"), (3, "entry_price"),
        (4, "entry_price"), (4, "tags"), (5, "entry_price")]
    assert "450 problem(s)" in str(error)
    assert "first 7 are listed" in str(error)


def test_a_line_over_the_limit_stops_the_read_naming_its_line():
    long_tags = "a," * 2100  # 4,200 characters on line 2
    problems = problems_of(HEADER + "AAPL,1,1,2024-01-15,\n"
                           + f'MSFT,1,1,2024-01-15,"{long_tags}"\n')
    assert [(p.row, p.column) for p in problems] == [(2, None)]
    assert "the limit is 4,096 per line" in problems[0].message
    fits = "MSFT,1,1,2024-01-15," + "a" * (4096 - 20)  # exactly 4,096 characters
    assert len(problems_of(HEADER + fits + "\n")) == 1  # parsed: only its tag is refused


def test_a_header_over_its_limits_is_refused_at_once():
    for header in ("ticker,quantity,entry_price,entry_date,tags," + "x" * 1000,
                   "ticker,quantity,entry_price,entry_date,tags" + ",extra" * 16):
        problems = problems_of(header + "\nAAPL,1,1,2024-01-15,\n")
        assert [(p.row, p.column) for p in problems] == [(0, None)]
        assert "the limits are 20 columns and 1,024 characters" in problems[0].message


def test_rows_with_too_many_fields_are_reported_without_keeping_their_fields():
    problems = problems_of(HEADER + "AAPL,1,1,2024-01-15,a,b,c\nMSFT,1,1,2024-01-15,\n"
                           + "GOOG," * 300 + "\n")
    assert [(p.row, p.message) for p in problems] == [
        (1, "row has 7 fields but the header has 5 (quote values with commas)"),
        (3, "row has 301 fields but the header has 5 (quote values with commas)")]


def test_a_row_naming_more_tags_than_allowed_is_refused_without_splitting():
    forty = ",".join(["t"] * 40)
    assert parse(HEADER + f'AAPL,1,1,2024-01-15,"{forty}"\n')[0].tags == ("t",)
    problems = problems_of(HEADER + f'AAPL,1,1,2024-01-15,"{forty},t"\n')
    assert [(p.row, p.column, p.message) for p in problems] == [
        (1, "tags", "41 tags named; at most 40 per row (20 distinct)")]


# --- fuzzing -------------------------------------------------------------------------

def _outcome(data: bytes):
    """The rows, or the CsvError raised (any other exception fails the test)."""
    try:
        return parse_positions_csv(data, today=TODAY, max_bytes=4_000)
    except (CsvTooLargeError, CsvValidationError) as error:
        return error


def _parses_or_refuses(data: bytes) -> None:
    outcome = _outcome(data)
    if isinstance(outcome, CsvTooLargeError):
        assert len(data) > 4_000
    elif isinstance(outcome, CsvValidationError):
        assert outcome.problems
        assert all(p.row is None or p.row >= 0 for p in outcome.problems)
    else:
        assert outcome
        assert all(r.quantity != 0 and r.entry_price > 0 for r in outcome)
        assert all(TODAY >= r.entry_date >= dt.date(1970, 1, 1) for r in outcome)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=5_000))
def test_arbitrary_bytes_only_ever_raise_csv_errors(data):
    _parses_or_refuses(data)


CELL = st.one_of(
    st.sampled_from(["AAPL", "aapl", "AAPL240119C00150000", "BRK.B", "", " ", "0", "-1", "1.5",
                     "nan", "inf", "1e400", "2024-01-15", "2024-02-30", "2999-01-01",
                     '"a,b"', '"', "=x", "tech", "é", "\r", "\n", ";", ",,"]),
    st.text(max_size=12),
)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(CELL, min_size=0, max_size=7), max_size=8))
def test_csv_shaped_text_only_ever_raises_csv_errors(rows):
    body = "\n".join(",".join(row) for row in rows)
    _parses_or_refuses((HEADER + body).encode("utf-8", "surrogatepass"))


# --- formula neutralisation on export ------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
    ("+1+2", "'+1+2"),
    ("-2+3", "'-2+3"),
    ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=1", "'\t=1"),
    ("\r=1", "'\r=1"),
    ("tech", "tech"),
    ("a=b", "a=b"),
    ("", ""),
    ("AAPL240119C00150000", "AAPL240119C00150000"),
])
def test_neutralise_formula_prefixes_a_quote_only_to_formula_starts(text, expected):
    assert neutralise_formula(text) == expected


def test_formula_text_survives_upload_as_data_and_is_neutralised_on_export():
    """A formula-like ticker is refused, never evaluated; its problem message is plain text."""
    (problem,) = problems_of(HEADER + "=1+2,1,1,2024-01-15,\n")
    assert (problem.row, problem.column) == (1, "ticker")
    assert neutralise_formula("=1+2") == "'=1+2"
