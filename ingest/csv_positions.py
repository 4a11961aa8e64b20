"""Parse and validate a positions CSV upload (design §3, §7): all or nothing.

The file has the header ``ticker,quantity,entry_price,entry_date,tags`` (the spec's
sample spells the first column ``csvticker``; both are accepted). Header names are
trimmed and case-insensitive, the columns may come in any order, and ``tags`` is
optional. One data row per position:

======== ================================================================================
column   rule
======== ================================================================================
ticker   stock/ETF ticker or OCC option symbol (see :mod:`ingest.occ`); options are
         stored in the compact OCC form
quantity signed decimal number (shares or contracts), non-zero, within the bounds of
         :mod:`ingest.magnitudes`; options need whole contracts
entry_   decimal number > 0 (per share; options: premium per share), within the bounds of
price    :mod:`ingest.magnitudes`
entry_   ISO ``YYYY-MM-DD``, a real date, from 1970-01-01 to ``today``; not after the
date     option's expiry
tags     comma-separated; each trimmed, 1–50 ASCII letters/digits/space/``-_.``, not
         starting with ``= + - @``; at most 20 distinct per row; de-duplicated
         case-insensitively and stored lower-case
======== ================================================================================

A row repeating the (symbol, entry_date) of an earlier row is a duplicate.

Row numbers: the header is row 0, data rows count from 1 (a quoted field spanning
lines is still one row). Blank rows — empty lines, or every field empty — are
skipped but keep their number, so numbers match the line of a file without
multi-line fields. Problems of the whole file have row ``None``; encoding and NUL
problems carry the line of the first bad byte. A row with fewer fields than the
header is padded with empty fields only when the missing columns are optional;
otherwise a wrong field count is reported once and the row's values are not checked.

Reading the bytes (encoding, records, header) is :mod:`ingest.csv_reading`; collecting
and reporting problems is :mod:`ingest.csv_problems`; the tag rule is :mod:`ingest.tags`.
The file must be UTF-8 (a byte-order mark is accepted and dropped; LF or CRLF line
ends). Nothing is evaluated: text fields are data, and the API neutralises formula
prefixes on export (:mod:`ingest.spreadsheet`).

Every problem of the file is collected and raised together in one
:class:`CsvValidationError`; an oversized file raises :class:`CsvTooLargeError`
before anything is read.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ingest.csv_problems import (
    Checks,
    CsvError,
    CsvProblem,
    CsvTooLargeError,
    CsvValidationError,
    problem_dicts,
)
from ingest.csv_reading import decode, map_header, read_records, text_frame
from ingest.magnitudes import MAX_ABS_QUANTITY, MAX_PRICE, MIN_ABS_QUANTITY, MIN_PRICE
from ingest.occ import OccSymbol, SymbolError, parse_symbol
from ingest.tags import MAX_TAGS_PER_POSITION, tag_name_problems

__all__ = ["MAX_CSV_BYTES", "CsvError", "CsvProblem", "CsvTooLargeError", "CsvValidationError",
           "PositionRow", "parse_positions_csv", "problem_dicts"]

MAX_CSV_BYTES = 5_000_000  # an upload larger than this is refused (413) before reading
EARLIEST_ENTRY_DATE = dt.date(1970, 1, 1)

_NUMBER = r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
_ISO_DATE = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
_NAN_WORDS = {"nan", "+nan", "-nan"}
_INF_WORDS = {"inf", "+inf", "-inf", "infinity", "+infinity", "-infinity"}


@dataclass(frozen=True)
class PositionRow:
    """One validated CSV row.

    ``symbol`` is normalised (compact OCC form for options); ``quantity`` is signed
    (shares or contracts); ``entry_price`` is per share in dollars; ``tags`` are
    lower-case, de-duplicated, in file order.
    """

    row_number: int
    symbol: str
    quantity: float
    entry_price: float
    entry_date: dt.date
    tags: tuple[str, ...]
    is_option: bool
    occ: OccSymbol | None


def parse_positions_csv(data: bytes, *, today: dt.date, max_bytes: int = MAX_CSV_BYTES,
                        max_rows: int = 10_000) -> list[PositionRow]:
    """Validate a positions CSV and return its rows, or raise with every problem.

    Parameters
    ----------
    data : bytes
        The uploaded file.
    today : datetime.date
        Entry dates after ``today`` are refused as future dates.
    max_bytes : int
        Size limit in bytes (checked first).
    max_rows : int
        Limit on non-blank data rows.

    Raises
    ------
    CsvTooLargeError
        ``len(data) > max_bytes``.
    CsvValidationError
        Any problem; ``problems`` lists them all, ordered by row then column.
    """
    if len(data) > max_bytes:
        raise CsvTooLargeError(len(data), max_bytes)
    header, records = read_records(decode(data), max_rows)
    positions, header_problems = map_header(header)
    frame, count_problems = text_frame(records, header, positions)
    rows, value_problems = _validate(frame, today)
    problems = header_problems + count_problems + value_problems
    if problems:
        raise CsvValidationError(problems)
    return rows


# --- value checks --------------------------------------------------------------------

def _validate(frame: pd.DataFrame, today: dt.date) -> tuple[list[PositionRow], list[CsvProblem]]:
    """Check every value of the known columns present (absent ones are header problems)."""
    checks = Checks()
    if frame.empty:
        return [], []
    absent = pd.Series(np.nan, index=frame.index)
    symbols = (_symbols(frame["ticker"], checks) if "ticker" in frame
               else pd.DataFrame({"symbol": None, "occ": None}, index=frame.index, dtype=object))
    quantity = _quantities(frame["quantity"], checks) if "quantity" in frame else absent
    price = _prices(frame["entry_price"], checks) if "entry_price" in frame else absent
    dates = (_dates(frame["entry_date"], today, checks) if "entry_date" in frame
             else absent.astype("datetime64[s]"))
    tags = _tags(frame["tags"], checks) if "tags" in frame else {}
    _option_rules(frame, symbols["occ"], quantity, dates, checks)
    _duplicates(symbols["symbol"], dates, checks)
    if checks.problems:
        return [], checks.problems
    rows = [
        PositionRow(int(row), symbol, float(q), float(p), d, tags.get(row, ()), occ is not None,
                    occ)
        for row, symbol, occ, q, p, d in zip(
            frame.index, symbols["symbol"], symbols["occ"], quantity, price,
            dates.dt.date, strict=True)
    ]
    return rows, []


def _symbols(text: pd.Series, checks: Checks) -> pd.DataFrame:
    """Normalised symbol and OccSymbol per row (None where invalid)."""
    parsed = {value: _parse_symbol(value) for value in text.unique()}  # per distinct symbol
    table = pd.DataFrame.from_dict(parsed, orient="index", columns=["symbol", "occ", "error"],
                                   dtype=object)
    result = table.reindex(text.to_numpy())
    result.index = text.index
    bad = result["error"].notna()
    checks.problems.extend(CsvProblem(int(row), "ticker", message) for row, message in zip(
        result.index[bad].tolist(), result.loc[bad, "error"].tolist(), strict=True))
    return result[["symbol", "occ"]]


def _parse_symbol(text: str) -> tuple[str | None, OccSymbol | None, str | None]:
    try:
        symbol, occ = parse_symbol(text)
    except SymbolError as error:
        return None, None, str(error)
    return symbol, occ, None


def _numbers(text: pd.Series, column: str, checks: Checks) -> pd.Series:
    """Float values of a decimal column; NaN where a problem was reported."""
    lower = text.str.lower()
    empty = checks.flag(text, text == "", column, f"missing value: {column} is empty")
    nan = checks.flag(text, lower.isin(_NAN_WORDS), column, f"{column} is NaN")
    inf = checks.flag(text, lower.isin(_INF_WORDS), column, f"{column} is infinite")
    syntax = checks.flag(text, ~(empty | nan | inf | text.str.fullmatch(_NUMBER)), column,
                         f"{column} is not a number: {{value}}")
    values = pd.to_numeric(text.where(~(empty | nan | inf | syntax)), errors="coerce")
    overflow = checks.flag(text, np.isinf(values), column,
                           f"{column} is out of range (infinite): {{value}}")
    return values.where(~overflow).astype(float)


def _quantities(text: pd.Series, checks: Checks) -> pd.Series:
    """Signed quantities; zero is refused (NaN where a problem was reported)."""
    values = _numbers(text, "quantity", checks)
    zero = checks.flag(text, values == 0, "quantity", "quantity must not be zero")
    size = values.abs()
    bounds = checks.flag(text, (size < MIN_ABS_QUANTITY) & ~zero | (size > MAX_ABS_QUANTITY),
                         "quantity", f"quantity {{value}} is out of bounds: |quantity| must be "
                                     f"between {MIN_ABS_QUANTITY:g} and {MAX_ABS_QUANTITY:g}")
    return values.where(~(zero | bounds))


def _prices(text: pd.Series, checks: Checks) -> pd.Series:
    """Entry prices, strictly positive (NaN where a problem was reported)."""
    values = _numbers(text, "entry_price", checks)
    negative = checks.flag(text, values < 0, "entry_price",
                           "entry_price must be positive, got {value}")
    zero = checks.flag(text, values == 0, "entry_price", "entry_price must be greater than zero")
    bounds = checks.flag(text, (values > 0) & (values < MIN_PRICE) | (values > MAX_PRICE),
                         "entry_price", f"entry_price {{value}} is out of bounds: it must be "
                                        f"between {MIN_PRICE:g} and {MAX_PRICE:g} dollars")
    return values.where(~(negative | zero | bounds))


def _dates(text: pd.Series, today: dt.date, checks: Checks) -> pd.Series:
    """ISO dates as ``datetime64[s]``; NaT where a problem was reported.

    Validity is checked arithmetically (month 1–12, day ≤ days in that month), so
    years outside pandas' nanosecond range are judged like any other.
    """
    column = "entry_date"
    empty = checks.flag(text, text == "", column, "missing value: entry_date is empty")
    syntax = checks.flag(text, ~empty & ~text.str.fullmatch(_ISO_DATE), column,
                         "entry_date {value} is not a date in YYYY-MM-DD format")
    ok = ~(empty | syntax)
    digits = text.where(ok, "1970-01-01")
    year = digits.str.slice(0, 4).astype(int).to_numpy()
    month = digits.str.slice(5, 7).astype(int).to_numpy()
    day = digits.str.slice(8, 10).astype(int).to_numpy()
    month_start = ((year - 1970) * 12 + np.clip(month, 1, 12) - 1).astype("datetime64[M]")
    month_days = ((month_start + 1).astype("datetime64[D]")
                  - month_start.astype("datetime64[D]")).astype(int)
    real = (month >= 1) & (month <= 12) & (day >= 1) & (day <= month_days)
    impossible = checks.flag(text, ok & ~real, column, "entry_date {value} is not a real date")
    ok &= ~impossible
    early = checks.flag(text, ok & (text < EARLIEST_ENTRY_DATE.isoformat()), column,
                        f"entry_date {{value}} is before {EARLIEST_ENTRY_DATE.isoformat()}")
    future = checks.flag(text, ok & (text > today.isoformat()), column,
                         f"entry_date {{value}} is in the future (today is {today.isoformat()})")
    ok &= ~(early | future)
    days = month_start.astype("datetime64[D]") + (day - 1)
    return pd.Series(np.where(ok, days, np.datetime64("NaT")), index=text.index,
                     dtype="datetime64[s]")


def _tags(text: pd.Series, checks: Checks) -> dict[int, tuple[str, ...]]:
    """Per row, the lower-case distinct tags in file order (rows without tags absent)."""
    given = text[text != ""]
    if given.empty:
        return {}
    tag = given.str.split(",").explode().astype(str)
    stripped = tag.str.strip()
    column = "tags"
    for mask, message in tag_name_problems(stripped):
        checks.flag(stripped, mask, column, message)
    distinct = (stripped.str.lower().rename("tag").rename_axis("row").reset_index()
                .drop_duplicates())
    counts = distinct.groupby("row")["tag"].size()
    too_many = pd.Series(counts > MAX_TAGS_PER_POSITION)
    checks.flag(counts.astype(str), too_many, column,
                f"{{value}} distinct tags; at most {MAX_TAGS_PER_POSITION} are allowed per row",
                show=str)
    grouped = distinct.groupby("row", sort=False)["tag"].agg(tuple)
    return dict(zip(grouped.index.tolist(), grouped.tolist(), strict=True))


def _option_rules(frame: pd.DataFrame, occ: pd.Series, quantity: pd.Series,
                  dates: pd.Series, checks: Checks) -> None:
    """Whole contracts for options; an option cannot be entered after it expired."""
    is_option = occ.notna()
    if not is_option.any():
        return
    fractional = is_option & (quantity != np.round(quantity)) & quantity.notna()
    checks.flag(frame.get("quantity", quantity), fractional, "quantity",
                "option quantity must be a whole number of contracts, got {value}")
    expiry = pd.Series(pd.NaT, index=occ.index, dtype="datetime64[s]")
    expiry[is_option] = pd.to_datetime([o.expiry for o in occ[is_option]]).astype("datetime64[s]")
    late = is_option & dates.notna() & (dates > expiry)
    checks.flag(expiry.dt.strftime("%Y-%m-%d"), late, "entry_date",
                "entry_date is after the option's expiry {value}", show=str)


def _duplicates(symbol: pd.Series, dates: pd.Series, checks: Checks) -> None:
    """Rows repeating the (symbol, entry_date) of an earlier row."""
    keys = pd.DataFrame({"symbol": symbol, "entry_date": dates}).dropna()
    if keys.empty:
        return
    rows = keys.index.to_series(index=keys.index)
    first = rows.groupby([keys["symbol"], keys["entry_date"]]).transform("min")
    label = (keys["symbol"] + " on " + keys["entry_date"].dt.strftime("%Y-%m-%d")
             + " already in row " + first.astype(str))
    checks.flag(label, first != rows, "ticker",
                "duplicate row: {value}", show=str)


