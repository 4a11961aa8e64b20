"""Streamed CSV exports: RFC 4180 quoting, spreadsheet formulas neutralised.

Format (RFC 4180): comma separated, CRLF line ends, a header row, a field quoted with
``"`` when it holds a comma, a quote, CR or LF, an embedded quote doubled — the
standard library's :mod:`csv` writer with ``QUOTE_MINIMAL`` and ``lineterminator="\\r\\n"``.
UTF-8 without a byte-order mark.

Cells: ``None`` / NaN / NaT → empty; text → :func:`ingest.spreadsheet.neutralise_formula`
(a leading ``= + - @``, tab or CR gets a ``'`` so a spreadsheet shows it as text, design
§7); numbers as numbers (floats in Python's shortest round-trip form, so a value read back
is bit-identical; ``Decimal`` in plain notation); dates ISO 8601; booleans
``true``/``false``. Only text is neutralised: ``-500`` in a number column is a quantity.

The rows are written in chunks of ``CHUNK_ROWS`` so that a large export is streamed
with bounded memory.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from itertools import islice
from typing import Any

import pandas as pd
from fastapi.responses import StreamingResponse

from ingest.spreadsheet import neutralise_formula

CHUNK_ROWS = 1000
MEDIA_TYPE = "text/csv; charset=utf-8"
_FILENAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,120}\.csv")


def csv_cell(value: Any) -> Any:
    """One cell as the csv module should write it (rules in the module docstring)."""
    if isinstance(value, str):
        return neutralise_formula(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dt.date):  # datetime and pandas Timestamp included
        return "" if pd.isna(value) else value.isoformat()
    if value is None or (pd.api.types.is_scalar(value) and pd.isna(value)):
        return ""
    return value


def csv_chunks(columns: Sequence[str], rows: Iterable[Sequence[Any]],
               chunk_rows: int = CHUNK_ROWS) -> Iterator[bytes]:
    """The header, then ``chunk_rows`` rows at a time, as UTF-8 bytes."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([csv_cell(name) for name in columns])
    yield _drain(buffer)
    iterator = iter(rows)
    while chunk := list(islice(iterator, chunk_rows)):
        writer.writerows([csv_cell(value) for value in row] for row in chunk)
        yield _drain(buffer)


def _drain(buffer: io.StringIO) -> bytes:
    data = buffer.getvalue().encode("utf-8")
    buffer.seek(0)
    buffer.truncate()
    return data


def csv_response(filename: str, columns: Sequence[str],
                 rows: Iterable[Sequence[Any]]) -> StreamingResponse:
    """A streamed ``text/csv`` attachment named ``filename``.

    Raises
    ------
    ValueError
        When ``filename`` is not a plain ``name.csv`` (letters, digits, ``. _ -``), so
        that the ``Content-Disposition`` header cannot be broken by a caller.
    """
    if not _FILENAME.fullmatch(filename):
        raise ValueError(f"unsafe export file name {filename!r}")
    return StreamingResponse(csv_chunks(columns, rows), media_type=MEDIA_TYPE,
                             headers={"Content-Disposition":
                                      f'attachment; filename="{filename}"'})
