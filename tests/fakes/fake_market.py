"""What the fake Polygon knows about the market: bars, splits, the date, missing sessions.

:class:`FakeMarket` is the state behind :class:`tests.fakes.fake_polygon.FakePolygon`:

- **Bars** come from the project's synthetic generator (seeded, any symbol; ``O:``
  tickers map to the OCC symbol). They are the *fully adjusted* series.
- **Splits** (:meth:`FakeMarket.add_split`) and **today** (:attr:`FakeMarket.today`,
  None = every split has executed): Polygon answers ``adjusted=true`` as of the day it
  is asked, so a close of a day before a split that has not executed yet is as traded,
  i.e. the adjusted close × r (r = split_to / split_from), volume ÷ r. Once ``today``
  reaches the execution date the whole history is ÷ r, i.e. the synthetic series.
- **Missing sessions** (:meth:`FakeMarket.drop_session`): no bar for a ticker on a day.
- **Late bars** (:meth:`FakeMarket.revise_close`): a close that changes after it was
  first served (a bar fetched before the session's close was final).
"""

from __future__ import annotations

import datetime as dt
import uuid
import zlib
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pandas as pd

BAR_FIELDS = ("symbol", "price_date", "open", "high", "low", "close", "volume", "vwap",
              "trades", "source")


@dataclass(frozen=True)
class FakeSplit:
    ticker: str
    execution_date: dt.date
    split_from: float
    split_to: float
    id: str

    def wire(self) -> dict:
        """The row as Polygon's ``/v3/reference/splits`` sends it."""
        return {"execution_date": self.execution_date.isoformat(), "id": self.id,
                "split_from": _number(self.split_from), "split_to": _number(self.split_to),
                "ticker": self.ticker}


@dataclass
class FakeMarket:
    today: dt.date | None = None
    splits: list[FakeSplit] = field(default_factory=list)
    missing: set[tuple[str, dt.date]] = field(default_factory=set)
    revised: dict[tuple[str, dt.date], float] = field(default_factory=dict)
    universe: set[str] = field(default_factory=set)  # tickers of the grouped daily bars

    def add_split(self, ticker: str, execution_date: dt.date, split_from: float = 1,
                  split_to: float = 2) -> FakeSplit:
        split = FakeSplit(ticker, execution_date, split_from, split_to,
                          "E" + uuid.uuid5(uuid.NAMESPACE_URL,
                                           f"{ticker}{execution_date}").hex)
        self.splits.append(split)
        return split

    def drop_session(self, ticker: str, day: dt.date) -> None:
        self.missing.add((ticker, day))

    def revise_close(self, ticker: str, day: dt.date, close: float) -> None:
        self.revised[(ticker, day)] = close

    def as_traded_factor(self, ticker: str, day: dt.date) -> float:
        """Product of the ratios of ``ticker``'s splits after ``day`` not executed by today."""
        factor = 1.0
        for split in self.splits:
            pending = self.today is not None and split.execution_date > self.today
            if split.ticker == ticker and split.execution_date > day and pending:
                factor *= split.split_to / split.split_from
        return factor

    def bars(self, ticker: str, start: dt.date, end: dt.date) -> pd.DataFrame:
        """Daily bars of ``ticker`` in [start, end] as Polygon would answer today."""
        symbol = ticker[2:] if ticker.startswith("O:") else ticker
        if self.today is not None:
            end = min(end, self.today)
        if start > end:
            return pd.DataFrame(columns=list(BAR_FIELDS))
        bars = synthetic_bars(symbol, start, end).copy()
        days = [pd.Timestamp(d).date() for d in bars["price_date"]]
        keep = [(ticker, d) not in self.missing for d in days]
        factor = np.array([self.as_traded_factor(ticker, d) for d in days], dtype=float)
        for column in ("open", "high", "low", "close", "vwap"):
            bars[column] = bars[column].to_numpy(float) * factor
        bars["volume"] = bars["volume"].to_numpy(float) / factor
        for index, day in enumerate(days):
            if (ticker, day) in self.revised:
                bars.iloc[index, bars.columns.get_loc("close")] = self.revised[(ticker, day)]
        return bars[keep]

    def splits_between(self, ticker: str | None, gte: dt.date | None,
                       lte: dt.date | None) -> list[dict]:
        """Wire rows of the splits matching the query, by execution date then ticker."""
        chosen = [s for s in self.splits
                  if (ticker is None or s.ticker == ticker)
                  and (gte is None or s.execution_date >= gte)
                  and (lte is None or s.execution_date <= lte)]
        return [s.wire() for s in sorted(chosen, key=lambda s: (s.execution_date, s.ticker))]


def _number(value: float) -> float | int:
    return int(value) if float(value).is_integer() else value


def synthetic_bars(symbol: str, start: dt.date, end: dt.date) -> pd.DataFrame:
    """Bars of ``symbol`` from the project's synthetic provider (seeded, any symbol).

    Falls back to a seeded random walk over XNYS sessions when
    ``ingest.synthetic`` is not importable.
    """
    try:
        provider = _synthetic_provider()
    except ImportError:
        return _random_walk_bars(symbol, start, end)
    return provider.daily_bars([symbol], start, end).bars


@lru_cache(maxsize=1)
def _synthetic_provider():
    from ingest.synthetic import SyntheticProvider

    return SyntheticProvider(risk_free_rate=0.045)


def _random_walk_bars(symbol: str, start: dt.date, end: dt.date) -> pd.DataFrame:
    from ingest.calendar import sessions

    days = sessions(start, end)
    rng = np.random.default_rng(zlib.crc32(symbol.encode()))
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, len(days))))
    return pd.DataFrame({
        "symbol": symbol, "price_date": days, "open": close * 0.999, "high": close * 1.01,
        "low": close * 0.99, "close": close, "volume": 1e6, "vwap": close, "trades": 1000,
        "source": "synthetic",
    })

