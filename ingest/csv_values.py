"""Value checks of the numeric and date columns of a positions CSV (vectorised).

Each function takes a column's trimmed text (indexed by row), reports its problems to a
:class:`~ingest.csv_problems.Checks` and returns the parsed values, NaN/NaT where a
problem was reported. Magnitude bounds are those of :mod:`ingest.magnitudes`.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from ingest.csv_problems import Checks
from ingest.magnitudes import MAX_ABS_QUANTITY, MAX_PRICE, MIN_ABS_QUANTITY, MIN_PRICE

EARLIEST_ENTRY_DATE = dt.date(1970, 1, 1)

_NUMBER = r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
_ISO_DATE = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
_NAN_WORDS = {"nan", "+nan", "-nan"}
_INF_WORDS = {"inf", "+inf", "-inf", "infinity", "+infinity", "-infinity"}


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


def quantities(text: pd.Series, checks: Checks) -> pd.Series:
    """Signed quantities; zero is refused (NaN where a problem was reported)."""
    values = _numbers(text, "quantity", checks)
    zero = checks.flag(text, values == 0, "quantity", "quantity must not be zero")
    size = values.abs()
    bounds = checks.flag(text, (size < MIN_ABS_QUANTITY) & ~zero | (size > MAX_ABS_QUANTITY),
                         "quantity", f"quantity {{value}} is out of bounds: |quantity| must be "
                                     f"between {MIN_ABS_QUANTITY:g} and {MAX_ABS_QUANTITY:g}")
    return values.where(~(zero | bounds))


def entry_prices(text: pd.Series, checks: Checks) -> pd.Series:
    """Entry prices, strictly positive (NaN where a problem was reported)."""
    values = _numbers(text, "entry_price", checks)
    negative = checks.flag(text, values < 0, "entry_price",
                           "entry_price must be positive, got {value}")
    zero = checks.flag(text, values == 0, "entry_price", "entry_price must be greater than zero")
    bounds = checks.flag(text, (values > 0) & (values < MIN_PRICE) | (values > MAX_PRICE),
                         "entry_price", f"entry_price {{value}} is out of bounds: it must be "
                                        f"between {MIN_PRICE:g} and {MAX_PRICE:g} dollars")
    return values.where(~(negative | zero | bounds))


def entry_dates(text: pd.Series, today: dt.date, checks: Checks) -> pd.Series:
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
