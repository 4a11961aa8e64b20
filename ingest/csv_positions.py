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
    MAX_LISTED_PROBLEMS,
    Checks,
    CsvError,
    CsvProblem,
    CsvTooLargeError,
    CsvValidationError,
    problem_dicts,
)
from ingest.csv_reading import decode, map_header, read_records, text_frame
from ingest.csv_values import entry_dates, entry_prices, quantities
from ingest.occ import OccSymbol, SymbolError, parse_symbol
from ingest.tags import MAX_TAG_ITEMS_PER_ROW, MAX_TAGS_PER_POSITION, tag_name_problems

__all__ = ["MAX_CSV_BYTES", "MAX_LISTED_PROBLEMS", "CsvError", "CsvProblem", "CsvTooLargeError",
           "CsvValidationError", "PositionRow", "parse_positions_csv", "problem_dicts"]

MAX_CSV_BYTES = 5_000_000  # an upload larger than this is refused (413) before reading



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
                        max_rows: int = 10_000,
                        max_problems: int = MAX_LISTED_PROBLEMS) -> list[PositionRow]:
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
    max_problems : int
        How many problems the error lists (it counts them all).

    Raises
    ------
    CsvTooLargeError
        ``len(data) > max_bytes``.
    CsvValidationError
        Any problem; ``problems`` lists the first ``max_problems``, ordered by row then
        column, and ``total`` counts them all.
    """
    if len(data) > max_bytes:
        raise CsvTooLargeError(len(data), max_bytes)
    header, records, long_rows = read_records(decode(data), max_rows)
    positions, header_problems = map_header(header)
    frame, count_problems = text_frame(records, header, positions)
    checks = Checks(max_problems)
    rows = _validate(frame, today, checks)
    problems = header_problems + long_rows + count_problems + checks.problems
    if problems:
        total = len(problems) - len(checks.problems) + checks.total
        raise CsvValidationError(problems, total, max_problems)
    return rows


# --- value checks --------------------------------------------------------------------

def _validate(frame: pd.DataFrame, today: dt.date, checks: Checks) -> list[PositionRow]:
    """Check every value of the known columns present (absent ones are header problems)."""
    if frame.empty:
        return []
    absent = pd.Series(np.nan, index=frame.index)
    symbols = (_symbols(frame["ticker"], checks) if "ticker" in frame
               else pd.DataFrame({"symbol": None, "occ": None}, index=frame.index, dtype=object))
    quantity = quantities(frame["quantity"], checks) if "quantity" in frame else absent
    price = entry_prices(frame["entry_price"], checks) if "entry_price" in frame else absent
    dates = (entry_dates(frame["entry_date"], today, checks) if "entry_date" in frame
             else absent.astype("datetime64[s]"))
    tags = _tags(frame["tags"], checks) if "tags" in frame else {}
    _option_rules(frame, symbols["occ"], quantity, dates, checks)
    _duplicates(symbols["symbol"], dates, checks)
    if checks.problems:
        return []
    return [
        PositionRow(int(row), symbol, float(q), float(p), d, tags.get(row, ()), occ is not None,
                    occ)
        for row, symbol, occ, q, p, d in zip(
            frame.index, symbols["symbol"], symbols["occ"], quantity, price,
            dates.dt.date, strict=True)
    ]


def _symbols(text: pd.Series, checks: Checks) -> pd.DataFrame:
    """Normalised symbol and OccSymbol per row (None where invalid)."""
    parsed = {value: _parse_symbol(value) for value in text.unique()}  # per distinct symbol
    table = pd.DataFrame.from_dict(parsed, orient="index", columns=["symbol", "occ", "error"],
                                   dtype=object)
    result = table.reindex(text.to_numpy())
    result.index = text.index
    checks.flag(result["error"], result["error"].notna(), "ticker", "{value}", show=str)
    return result[["symbol", "occ"]]


def _parse_symbol(text: str) -> tuple[str | None, OccSymbol | None, str | None]:
    try:
        symbol, occ = parse_symbol(text)
    except SymbolError as error:
        return None, None, str(error)
    return symbol, occ, None


def _tags(text: pd.Series, checks: Checks) -> dict[int, tuple[str, ...]]:
    """Per row, the lower-case distinct tags in file order (rows without tags absent).

    A row naming more than ``MAX_TAG_ITEMS_PER_ROW`` tags is refused without splitting
    it; the others are split in chunks of about :data:`_TAG_CHUNK` names (bounded memory).
    The result is only built for a file without problems (it is not needed otherwise).
    """
    given = text[text != ""]
    if given.empty:
        return {}
    items = given.str.count(",") + 1
    crowded = checks.flag(items.astype(str), items > MAX_TAG_ITEMS_PER_ROW, "tags",
                          f"{{value}} tags named; at most {MAX_TAG_ITEMS_PER_ROW} per row "
                          f"({MAX_TAGS_PER_POSITION} distinct)", show=str)
    given, items = given[~crowded], items[~crowded]
    if given.empty:
        return {}
    chunks = given.groupby(items.cumsum().to_numpy() // _TAG_CHUNK, sort=False)
    distinct = pd.concat([_distinct_tags(chunk, checks) for _, chunk in chunks])
    if checks.problems or distinct.empty:
        return {}
    grouped = distinct.groupby("row", sort=False)["tag"].agg(tuple)
    return dict(zip(grouped.index.tolist(), grouped.tolist(), strict=True))


_TAG_CHUNK = 50_000


def _distinct_tags(given: pd.Series, checks: Checks) -> pd.DataFrame:
    """Check the tags of whole rows; their distinct lower-case names as (row, tag)."""
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
    return distinct


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


