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
quantity signed decimal number (shares or contracts), finite, non-zero; options need
         whole contracts
entry_   decimal number > 0, finite (per share; options: premium per share)
price
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

The file must be UTF-8 (a byte-order mark is accepted and dropped; LF or CRLF line
ends). Nothing is evaluated: text fields are data, and the API neutralises formula
prefixes on export (:mod:`ingest.spreadsheet`).

Every problem of the file is collected and raised together in one
:class:`CsvValidationError`; an oversized file raises :class:`CsvTooLargeError`
before anything is read.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import zip_longest

import numpy as np
import pandas as pd

from ingest.occ import OccSymbol, SymbolError, parse_symbol

COLUMNS = ("ticker", "quantity", "entry_price", "entry_date", "tags")
REQUIRED_COLUMNS = COLUMNS[:4]
HEADER_ALIASES = {"csvticker": "ticker"}
MAX_TAGS = 20
MAX_TAG_LENGTH = 50
FORMULA_PREFIXES = ("=", "+", "-", "@")
EARLIEST_ENTRY_DATE = dt.date(1970, 1, 1)

_NUMBER = r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
_ISO_DATE = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
_TAG = r"[A-Za-z0-9 _.\-]+"
_NAN_WORDS = {"nan", "+nan", "-nan"}
_INF_WORDS = {"inf", "+inf", "-inf", "infinity", "+infinity", "-infinity"}


@dataclass(frozen=True)
class CsvProblem:
    """One problem of an upload: ``row`` (0 = header, None = whole file), ``column``."""

    row: int | None
    column: str | None
    message: str


class CsvError(ValueError):
    """A positions CSV was refused."""


class CsvTooLargeError(CsvError):
    """The file exceeds ``max_bytes`` (the API answers 413)."""

    def __init__(self, size: int, max_bytes: int):
        super().__init__(f"file is {size} bytes; the limit is {max_bytes} bytes")
        self.size = size
        self.max_bytes = max_bytes


class CsvValidationError(CsvError):
    """The file has problems (the API answers 422 with every problem listed)."""

    def __init__(self, problems: list[CsvProblem]):
        self.problems = sorted(problems, key=_problem_order)
        first = self.problems[0]
        super().__init__(
            f"{len(self.problems)} problem(s) in the CSV, first: row {first.row}, "
            f"column {first.column}: {first.message}"
        )


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


def parse_positions_csv(data: bytes, *, today: dt.date, max_bytes: int = 5_000_000,
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
    header, records = _read_records(_decode(data), max_rows)
    positions, header_problems = _map_header(header)
    frame, count_problems = _frame(records, header, positions)
    rows, value_problems = _validate(frame, today)
    problems = header_problems + count_problems + value_problems
    if problems:
        raise CsvValidationError(problems)
    return rows


# --- file level ----------------------------------------------------------------------

def _reject(row: int | None, column: str | None, message: str) -> CsvValidationError:
    return CsvValidationError([CsvProblem(row, column, message)])


def _decode(data: bytes) -> str:
    """UTF-8 text of ``data`` without BOM; refuses empty, binary and non-UTF-8 files."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise _reject(None, None, "file is UTF-16, not UTF-8; save it as 'CSV UTF-8'")
    body = data.removeprefix(codecs.BOM_UTF8)
    if not body.strip():
        raise _reject(None, None, "file is empty")
    nul = body.find(b"\x00")
    if nul >= 0:
        raise _reject(body.count(b"\n", 0, nul), None,
                      "file contains NUL bytes: binary data, not a CSV text file")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise _encoding_problem(body, error.start) from None


def _encoding_problem(body: bytes, offset: int) -> CsvValidationError:
    """The problem for the first byte that is not UTF-8: its line and, if known, column."""
    line = body.count(b"\n", 0, offset)
    line_start = body.rfind(b"\n", 0, offset) + 1
    prefix = body[line_start:offset].decode("utf-8")
    field_index = max(len(_first_record(prefix)) - 1, 0)
    header = _first_record(body.split(b"\n", 1)[0].decode("utf-8", "replace"))
    names = [HEADER_ALIASES.get(name.strip().lower(), name.strip().lower()) for name in header]
    column = names[field_index] if line > 0 and field_index < len(names) else None
    return _reject(line, column,
                   f"file is not valid UTF-8 (byte 0x{body[offset]:02X} on line {line}); "
                   "save it as 'CSV UTF-8'")


def _first_record(line: str) -> list[str]:
    """The fields of one line (best effort: split on commas if it is not valid CSV)."""
    try:
        return next(csv.reader(io.StringIO(line, newline="")), [])
    except csv.Error:
        return line.split(",")


def _is_blank(fields: list[str]) -> bool:
    return all(not field.strip() for field in fields)


def _read_records(text: str, max_rows: int) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Header and the non-blank data records as (row number, fields)."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header: list[str] | None = None
    records: list[tuple[int, list[str]]] = []
    row = 0
    try:
        for fields in reader:
            if header is None:
                if not _is_blank(fields):
                    header = fields
                continue
            row += 1
            if _is_blank(fields):
                continue
            if len(records) == max_rows:
                raise _reject(row, None, f"too many rows: more than {max_rows} data rows")
            records.append((row, fields))
    except csv.Error as error:
        raise _reject(row + (header is not None), None,
                      f"cannot read the CSV: {error} (an unclosed or stray quote?)") from None
    if header is None:
        raise _reject(None, None, "file is empty")
    if not records:
        raise _reject(None, None, "file has a header but no data rows")
    return header, records


def _map_header(header: list[str]) -> tuple[dict[str, int], list[CsvProblem]]:
    """Position of each known column in the header; unknown/duplicate/missing problems."""
    positions: dict[str, int] = {}
    problems: list[CsvProblem] = []
    for index, raw in enumerate(header):
        name = raw.strip()
        canonical = HEADER_ALIASES.get(name.lower(), name.lower())
        if canonical in positions:
            problems.append(CsvProblem(0, canonical, f"duplicate column {name!r} (same as column "
                                                     f"{positions[canonical] + 1})"))
        elif canonical in COLUMNS:
            positions[canonical] = index
        else:
            problems.append(CsvProblem(0, name or None, _unknown_column_message(name, index)))
    problems.extend(CsvProblem(0, column, f"missing column {column!r}")
                    for column in REQUIRED_COLUMNS if column not in positions)
    return positions, problems


def _unknown_column_message(name: str, index: int) -> str:
    expected = ", ".join(COLUMNS)
    if not name:
        return f"column {index + 1} has no name (a stray comma in the header?); expected {expected}"
    hint = "; the file seems to use ';' as separator, use ','" if ";" in name else ""
    return f"unknown column {name[:60]!r}; expected {expected}{hint}"


def _frame(records: list[tuple[int, list[str]]], header: list[str],
           positions: dict[str, int]) -> tuple[pd.DataFrame, list[CsvProblem]]:
    """Trimmed text of the known columns, indexed by row; rows with a bad field count out.

    A short row is padded with empty fields when every required column is present.
    """
    width = len(header)
    last_required = max((positions[c] for c in REQUIRED_COLUMNS if c in positions), default=-1)
    by_column = zip_longest(*(fields for _, fields in records))  # short rows padded with None
    cells = pd.DataFrame(dict(enumerate(by_column)), index=[row for row, _ in records],
                         dtype=object)  # csv never yields None: non-null cells = fields read
    counts = cells.notna().sum(axis=1)
    fits = (counts == width) | ((counts > last_required) & (counts < width))
    problems = [CsvProblem(int(row), None, f"row has {count} fields but the header has {width} "
                                           "(quote values with commas)")
                for row, count in counts[~fits].items()]
    cells = cells.loc[fits].reindex(columns=range(width), fill_value="").fillna("")
    columns = {column: cells[index].astype(str).str.strip() for column, index in positions.items()}
    return pd.DataFrame(columns, index=cells.index), problems


# --- value checks --------------------------------------------------------------------

class _Checks:
    """Accumulates problems; each ``flag`` call reports the rows of a mask."""

    def __init__(self) -> None:
        self.problems: list[CsvProblem] = []

    def flag(self, text: pd.Series, mask: pd.Series, column: str, template: str,
             show: Callable[[object], str] | None = None) -> pd.Series:
        """Report ``template`` (with ``{value}``) for ``mask`` rows; returns ``mask``.

        ``{value}`` is the row's ``text``, quoted and shortened unless ``show`` is given.
        """
        show = show or _show
        self.problems.extend(
            CsvProblem(int(row), column, template.format(value=show(value)))
            for row, value in text[mask].items()
        )
        return mask


def _show(value: object) -> str:
    text = str(value)
    return repr(text if len(text) <= 40 else text[:37] + "...")


def _validate(frame: pd.DataFrame, today: dt.date) -> tuple[list[PositionRow], list[CsvProblem]]:
    """Check every value of the known columns present (absent ones are header problems)."""
    checks = _Checks()
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


def _symbols(text: pd.Series, checks: _Checks) -> pd.DataFrame:
    """Normalised symbol and OccSymbol per row (None where invalid)."""
    parsed = {value: _parse_symbol(value) for value in text.unique()}  # per distinct symbol
    table = pd.DataFrame.from_dict(parsed, orient="index", columns=["symbol", "occ", "error"],
                                   dtype=object)
    result = table.reindex(text.to_numpy())
    result.index = text.index
    bad = result["error"].notna()
    checks.problems.extend(CsvProblem(int(row), "ticker", message)
                           for row, message in result.loc[bad, "error"].items())
    return result[["symbol", "occ"]]


def _parse_symbol(text: str) -> tuple[str | None, OccSymbol | None, str | None]:
    try:
        symbol, occ = parse_symbol(text)
    except SymbolError as error:
        return None, None, str(error)
    return symbol, occ, None


def _numbers(text: pd.Series, column: str, checks: _Checks) -> pd.Series:
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


def _quantities(text: pd.Series, checks: _Checks) -> pd.Series:
    """Signed quantities; zero is refused (NaN where a problem was reported)."""
    values = _numbers(text, "quantity", checks)
    zero = checks.flag(text, values == 0, "quantity", "quantity must not be zero")
    return values.where(~zero)


def _prices(text: pd.Series, checks: _Checks) -> pd.Series:
    """Entry prices, strictly positive (NaN where a problem was reported)."""
    values = _numbers(text, "entry_price", checks)
    negative = checks.flag(text, values < 0, "entry_price",
                           "entry_price must be positive, got {value}")
    zero = checks.flag(text, values == 0, "entry_price", "entry_price must be greater than zero")
    return values.where(~(negative | zero))


def _dates(text: pd.Series, today: dt.date, checks: _Checks) -> pd.Series:
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


def _tags(text: pd.Series, checks: _Checks) -> dict[int, tuple[str, ...]]:
    """Per row, the lower-case distinct tags in file order (rows without tags absent)."""
    given = text[text != ""]
    if given.empty:
        return {}
    tag = given.str.split(",").explode().astype(str)
    stripped = tag.str.strip()
    column = "tags"
    empty = checks.flag(stripped, stripped == "", column,
                        "empty tag (two commas in a row, or a trailing comma?)")
    formula = checks.flag(stripped, stripped.str.slice(0, 1).isin(FORMULA_PREFIXES), column,
                          "tag {value} starts with a spreadsheet formula character "
                          "(= + - @ are not allowed at the start of a tag)")
    long = checks.flag(stripped, stripped.str.len() > MAX_TAG_LENGTH, column,
                       f"tag {{value}} is longer than {MAX_TAG_LENGTH} characters")
    checks.flag(stripped, ~(empty | formula | long | stripped.str.fullmatch(_TAG)), column,
                "tag {value} may contain only letters, digits, space, '-', '_' and '.'")
    distinct = (stripped.str.lower().rename("tag").rename_axis("row").reset_index()
                .drop_duplicates())
    counts = distinct.groupby("row")["tag"].size()
    too_many = pd.Series(counts > MAX_TAGS)
    checks.flag(counts.astype(str), too_many, column,
                f"{{value}} distinct tags; at most {MAX_TAGS} are allowed per row", show=str)
    return distinct.groupby("row", sort=False)["tag"].agg(tuple).to_dict()


def _option_rules(frame: pd.DataFrame, occ: pd.Series, quantity: pd.Series,
                  dates: pd.Series, checks: _Checks) -> None:
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


def _duplicates(symbol: pd.Series, dates: pd.Series, checks: _Checks) -> None:
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


def _problem_order(problem: CsvProblem) -> tuple[int, int]:
    row = -1 if problem.row is None else problem.row
    column = COLUMNS.index(problem.column) if problem.column in COLUMNS else len(COLUMNS)
    return row, column


def problem_dicts(problems: Iterable[CsvProblem]) -> list[dict[str, object]]:
    """Problems as JSON-ready dicts ``{"row", "column", "message"}`` (for the API)."""
    return [{"row": p.row, "column": p.column, "message": p.message} for p in problems]
