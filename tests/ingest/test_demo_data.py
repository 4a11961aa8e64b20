"""The demo books (design §6): shape, gross ≈ $3M at the synthetic closes, validity.

Market values are recomputed here as |q| · close · m from the synthetic provider's
2026-11-20 closes, the OCC fields with a regular expression, and the file must pass
the upload validator.
"""

from __future__ import annotations

import datetime as dt
import io
import re

import numpy as np
import pandas as pd
import pytest

from ingest.csv_positions import parse_positions_csv
from ingest.demo_data.make_demo_book import HERE, build_books
from ingest.synthetic import SyntheticProvider

AS_OF = dt.date(2026, 11, 20)
WINDOW_START = dt.date(2026, 7, 17)  # first of the 90 sessions ending 2026-11-20
OCC = re.compile(r"(?P<root>[A-Z]+)(?P<expiry>\d{6})(?P<type>[CP])(?P<strike>\d{8})")


@pytest.fixture(scope="module")
def books() -> dict[str, pd.DataFrame]:
    return {name: pd.read_csv(HERE / name, dtype={"ticker": str})
            for name in ("demo_user_1.csv", "demo_user_2.csv")}


def classify(book: pd.DataFrame) -> pd.Series:
    """LONG/SHORT for stocks, LC/LP/SC/SP for options (design §5)."""
    option_type = book["ticker"].str.extract(OCC)["type"]
    side = np.where(book["quantity"] > 0, "L", "S")
    return pd.Series(np.where(option_type.isna(),
                              np.where(side == "L", "LONG", "SHORT"),
                              side + option_type.fillna("")), index=book.index)


def closes_on(book: pd.DataFrame, day: dt.date) -> np.ndarray:
    bars = SyntheticProvider(0.045).daily_bars(book["ticker"], day, day).bars
    return bars.set_index("symbol")["close"].reindex(book["ticker"]).to_numpy()


def test_files_are_what_the_generator_writes(books):
    for name, generated in build_books().items():
        pd.testing.assert_frame_equal(
            books[name], pd.read_csv(io.StringIO(generated.to_csv(
                index=False, float_format="%.2f")), dtype={"ticker": str}))


def test_main_book_counts_and_option_types(books):
    types = classify(books["demo_user_1.csv"]).value_counts()
    assert (types["LONG"], types["SHORT"]) == (20, 15)
    assert sum(types[t] for t in ("LC", "LP", "SC", "SP")) == 15
    assert all(types.get(t, 0) >= 1 for t in ("LC", "LP", "SC", "SP"))


def test_main_book_gross_is_about_three_million(books):
    book = books["demo_user_1.csv"]
    is_option = book["ticker"].str.fullmatch(OCC.pattern)
    market_value = book["quantity"].abs() * closes_on(book, AS_OF) * np.where(is_option, 100, 1)
    assert not np.isnan(market_value).any()
    assert market_value.sum() == pytest.approx(3_000_000, rel=0.10)


@pytest.mark.parametrize("name", ["demo_user_1.csv", "demo_user_2.csv"])
def test_options_are_on_book_stocks_and_expire_later(books, name):
    book = books[name]
    occ = book["ticker"].str.extract(OCC).dropna()
    assert set(occ["root"]) <= set(book["ticker"])
    expiries = pd.to_datetime("20" + occ["expiry"], format="%Y%m%d").dt.date
    assert (expiries > AS_OF).all()
    assert expiries.map(lambda d: d.weekday() == 4 and 15 <= d.day <= 21).all()
    assert {d.year for d in expiries} <= {2027, 2028}


@pytest.mark.parametrize("name", ["demo_user_1.csv", "demo_user_2.csv"])
def test_entry_prices_are_synthetic_closes_on_entry_dates(books, name):
    book = books[name]
    entry = pd.to_datetime(book["entry_date"]).dt.date
    bars = SyntheticProvider(0.045).daily_bars(book["ticker"], entry.min(), entry.max()).bars
    close = bars.set_index(["symbol", "price_date"])["close"]
    expected = close.reindex(pd.MultiIndex.from_arrays([book["ticker"], entry])).to_numpy()
    np.testing.assert_allclose(book["entry_price"], expected, atol=0.005 + 1e-9)
    assert entry.between(dt.date(2026, 1, 5), dt.date(2026, 10, 30)).all()


def test_entry_dates_straddle_the_snapshot_window(books):
    entry = pd.to_datetime(books["demo_user_1.csv"]["entry_date"]).dt.date
    assert (entry >= WINDOW_START).sum() >= 5
    assert (entry < WINDOW_START).sum() >= 5


def test_second_book_is_small_with_options(books):
    types = classify(books["demo_user_2.csv"])
    assert 8 <= len(types) <= 12
    assert types.isin(["LC", "LP", "SC", "SP"]).sum() >= 2


@pytest.mark.parametrize("name", ["demo_user_1.csv", "demo_user_2.csv"])
def test_books_pass_the_upload_validator(name):
    rows = parse_positions_csv((HERE / name).read_bytes(), today=AS_OF)
    assert len(rows) == len(pd.read_csv(HERE / name))
    assert all(row.tags for row in rows)
