"""Read a positions CSV's bytes into a frame of trimmed text: encoding, records, header.

The file must be UTF-8 (a byte-order mark is accepted and dropped; LF or CRLF line ends).
Row numbers: the header is row 0, data rows count from 1 (a quoted field spanning lines is
still one row). Blank rows are skipped but keep their number. Header names are trimmed and
case-insensitive and the columns may come in any order (``csvticker`` is accepted for
``ticker``). A row with fewer fields than the header is padded with empty fields only when
the missing columns are optional. Problems of the file as a whole raise at once; header
and field-count problems are returned to be reported with the value problems.

Bounded work: a physical line longer than :data:`MAX_LINE_CHARS` characters, a header
longer than :data:`MAX_HEADER_CHARS` or with more than :data:`MAX_COLUMNS` fields stops
the read at once (one problem); a row with more fields than the header is reported and
its fields dropped as it is read. So the frame is at most ``max_rows`` × ``MAX_COLUMNS``
cells, whatever the file holds, and every check is linear in the file's size.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from itertools import zip_longest

import pandas as pd

from ingest.csv_problems import COLUMNS, CsvProblem, CsvValidationError, reject

REQUIRED_COLUMNS = COLUMNS[:4]
HEADER_ALIASES = {"csvticker": "ticker"}
MAX_LINE_CHARS = 4096  # a valid row (OCC symbol, 20 tags of 50 characters) is ~1,100
MAX_HEADER_CHARS = 1024
MAX_COLUMNS = 20  # the header's fields: 5 known columns, room for stray empty ones


def decode(data: bytes) -> str:
    """UTF-8 text of ``data`` without BOM; refuses empty, binary and non-UTF-8 files."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise reject(None, None, "file is UTF-16, not UTF-8; save it as 'CSV UTF-8'")
    body = data.removeprefix(codecs.BOM_UTF8)
    if not body.strip():
        raise reject(None, None, "file is empty")
    nul = body.find(b"\x00")
    if nul >= 0:
        raise reject(body.count(b"\n", 0, nul), None,
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
    return reject(line, column,
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


def _lines(text: str) -> Iterator[str]:
    """The physical lines of ``text``; refuses one longer than :data:`MAX_LINE_CHARS`."""
    for number, line in enumerate(io.StringIO(text, newline="")):
        length = len(line.rstrip("\r\n"))
        if length > MAX_LINE_CHARS:
            raise reject(number, None, f"line {number} has {length:,} characters; the limit "
                                       f"is {MAX_LINE_CHARS:,} per line")
        yield line


def _check_header(fields: list[str]) -> None:
    length = sum(map(len, fields)) + len(fields) - 1
    if length > MAX_HEADER_CHARS or len(fields) > MAX_COLUMNS:
        raise reject(0, None, f"the header has {len(fields):,} columns and {length:,} "
                              f"characters; the limits are {MAX_COLUMNS} columns and "
                              f"{MAX_HEADER_CHARS:,} characters (expected "
                              f"{','.join(COLUMNS)})")


def read_records(text: str, max_rows: int) -> tuple[
        list[str], list[tuple[int, list[str]]], list[CsvProblem]]:
    """Header, the non-blank data records as (row number, fields), and the problems of
    rows with more fields than the header (those rows are left out of the records)."""
    reader = csv.reader(_lines(text), strict=True)
    header: list[str] | None = None
    records: list[tuple[int, list[str]]] = []
    problems: list[CsvProblem] = []
    row = 0
    try:
        for fields in reader:
            if header is None:
                if not _is_blank(fields):
                    _check_header(fields)
                    header = fields
                continue
            row += 1
            if _is_blank(fields):
                continue
            if len(records) + len(problems) == max_rows:
                raise reject(row, None, f"too many rows: more than {max_rows} data rows")
            if len(fields) > len(header):
                problems.append(field_count_problem(row, len(fields), len(header)))
            else:
                records.append((row, fields))
    except csv.Error as error:
        raise reject(row + (header is not None), None,
                      f"cannot read the CSV: {error} (an unclosed or stray quote?)") from None
    if header is None:
        raise reject(None, None, "file is empty")
    if not records and not problems:
        raise reject(None, None, "file has a header but no data rows")
    return header, records, problems


def field_count_problem(row: int, count: int, width: int) -> CsvProblem:
    return CsvProblem(row, None, f"row has {count} fields but the header has {width} "
                                 "(quote values with commas)")


def map_header(header: list[str]) -> tuple[dict[str, int], list[CsvProblem]]:
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


def text_frame(records: list[tuple[int, list[str]]], header: list[str],
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
    problems = [field_count_problem(int(row), int(count), width)
                for row, count in zip(counts.index[~fits].tolist(), counts[~fits].tolist(),
                                      strict=True)]
    cells = cells.loc[fits].reindex(columns=range(width), fill_value="").fillna("")
    columns = {column: cells[index].astype(str).str.strip() for column, index in positions.items()}
    return pd.DataFrame(columns, index=cells.index), problems
