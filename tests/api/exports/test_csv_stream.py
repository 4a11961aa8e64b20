"""CSV exports: RFC 4180 by byte and by csv.reader, formulas neutralised, streaming."""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.exports.csv_stream import csv_chunks, csv_response


def read_back(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))


def test_rfc4180_quoting_byte_for_byte():
    rows = [("a,b", 'say "hi"', "two\r\nlines", "line\nfeed", "plain", 1.5)]
    data = b"".join(csv_chunks(["c1", "c2", "c3", "c4", "c5", "c6"], rows))
    assert data == (b'c1,c2,c3,c4,c5,c6\r\n'
                    b'"a,b","say ""hi""","two\r\nlines","line\nfeed",plain,1.5\r\n')
    assert read_back(data)[1] == ["a,b", 'say "hi"', "two\r\nlines", "line\nfeed", "plain",
                                  "1.5"]


@pytest.mark.parametrize("text", ['=HYPERLINK("http://evil.example","click")', "+1+2",
                                  "-2+3", "@SUM(A1:A2)", "\t=1", "\rcmd"])
def test_formula_prefixes_are_neutralised(text):
    data = b"".join(csv_chunks(["tag"], [(text,)]))
    cell = read_back(data)[1][0]
    assert cell == "'" + text
    assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))


def test_hyperlink_tag_written_as_inert_text():
    data = b"".join(csv_chunks(["symbol", "tags"], [("AAPL", '=HYPERLINK("http://x","y")')]))
    assert data.split(b"\r\n")[1] == b'AAPL,"\'=HYPERLINK(""http://x"",""y"")"'


def test_numbers_are_numbers_and_round_trip_exactly():
    rng = np.random.default_rng(3)
    values = list(rng.normal(0, 1e6, 200)) + [-500.0, 0.1 + 0.2, 1e-300, -0.0]
    data = b"".join(csv_chunks(["x"], [(v,) for v in values]))
    cells = [row[0] for row in read_back(data)[1:]]
    assert cells[200] == "-500.0"  # a negative number is not a formula: no quote added
    assert [float(c) for c in cells] == [float(v) for v in values]
    assert math.copysign(1.0, float(cells[-1])) == -1.0


def test_missing_values_dates_decimals_and_booleans():
    row = (None, float("nan"), pd.NaT, pd.NA, np.nan, dt.date(2024, 1, 19),
           dt.datetime(2024, 1, 19, 15, 30, 0), Decimal("1E+2"), Decimal("0.10"), True, False,
           np.int64(7))
    data = b"".join(csv_chunks([f"c{i}" for i in range(len(row))], [row]))
    assert read_back(data)[1] == ["", "", "", "", "", "2024-01-19", "2024-01-19T15:30:00",
                                  "100", "0.10", "true", "false", "7"]


def test_rows_are_streamed_in_chunks():
    consumed = []

    def rows():
        for i in range(2500):
            consumed.append(i)
            yield (f"S{i}", i)

    chunks = csv_chunks(["symbol", "n"], rows(), chunk_rows=1000)
    assert next(chunks) == b"symbol,n\r\n"
    assert consumed == []  # the header goes out before any row is read
    first = next(chunks)
    assert len(consumed) == 1000
    assert first.count(b"\r\n") == 1000
    rest = list(chunks)
    assert [c.count(b"\r\n") for c in rest] == [1000, 500]
    parsed = read_back(b"symbol,n\r\n" + first + b"".join(rest))
    assert parsed[1:] == [[f"S{i}", str(i)] for i in range(2500)]


def test_csv_response_headers_and_body():
    app = FastAPI()

    @app.get("/export")
    def export():
        return csv_response("positions-2024-01-19.csv", ["symbol", "quantity"],
                            iter([("AAPL", 10.0), ("=cmd", -5.5)]))

    response = TestClient(app).get("/export")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == (
        'attachment; filename="positions-2024-01-19.csv"')
    assert response.content == b"symbol,quantity\r\nAAPL,10.0\r\n'=cmd,-5.5\r\n"


@pytest.mark.parametrize("name", ['a".csv', "a\r\nX-Evil: 1.csv", "../x.csv", "x.txt", ""])
def test_unsafe_file_names_are_refused(name):
    with pytest.raises(ValueError, match="unsafe export file name"):
        csv_response(name, ["a"], [])
