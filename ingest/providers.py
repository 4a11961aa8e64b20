"""The market-data provider interfaces and their result types.

A price provider returns adjusted daily bars, a reference provider security-master
fields. Both report failures per symbol (``errors: {symbol: reason}``) instead of
raising, so one unknown symbol or rate-limited request never aborts the others.

Bar columns (:data:`BAR_COLUMNS`): ``symbol`` (as the warehouse stores it: ticker or
compact OCC symbol), ``price_date`` (``datetime.date``, an XNYS session), ``open,
high, low, close`` (dollars per share; options: premium per share), ``volume``
(shares or contracts), ``vwap`` (dollars), ``trades`` (count, may be missing),
``source`` (``polygon``, ``synthetic``, ...).

Reference columns (:data:`REFERENCE_COLUMNS`): ``symbol, name, sector, industry,
short_interest`` (fraction of float, 0.05 = 5 %), ``reference_source``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import pandas as pd

BAR_COLUMNS = ("symbol", "price_date", "open", "high", "low", "close", "volume", "vwap",
               "trades", "source")
REFERENCE_COLUMNS = ("symbol", "name", "sector", "industry", "short_interest",
                     "reference_source")


def empty_bars() -> pd.DataFrame:
    """A bar frame with no rows and the :data:`BAR_COLUMNS`."""
    return pd.DataFrame({column: [] for column in BAR_COLUMNS})


def empty_reference() -> pd.DataFrame:
    """A reference frame with no rows and the :data:`REFERENCE_COLUMNS`."""
    return pd.DataFrame({column: [] for column in REFERENCE_COLUMNS})


@dataclass
class BarsResult:
    """Daily bars of the symbols that loaded, and the reason for each one that did not."""

    bars: pd.DataFrame = field(default_factory=empty_bars)
    errors: dict[str, str] = field(default_factory=dict)


@dataclass
class ReferenceResult:
    """Reference data of the symbols found, and the reason for each one that was not."""

    frame: pd.DataFrame = field(default_factory=empty_reference)
    errors: dict[str, str] = field(default_factory=dict)


@runtime_checkable
class PriceProvider(Protocol):
    """Daily adjusted bars for stocks, ETFs and options (compact OCC symbols)."""

    name: str

    def daily_bars(self, symbols: Iterable[str], start: dt.date, end: dt.date) -> BarsResult:
        """Bars of every XNYS session ``start ≤ d ≤ end`` for each symbol."""
        ...


@runtime_checkable
class ReferenceProvider(Protocol):
    """Name, sector, industry and short interest per stock/ETF symbol."""

    def reference_data(self, symbols: Iterable[str]) -> ReferenceResult:
        """One row per symbol found; the others appear in ``errors``."""
        ...
