"""Regenerate the demo books ``demo_user_1.csv`` and ``demo_user_2.csv`` (design §6).

``python -m ingest.demo_data.make_demo_book`` rewrites both files deterministically
from :class:`~ingest.synthetic.SyntheticProvider` (default risk-free rate of the
settings), so the books fit the synthetic prices the demo runs on:

- entry dates: XNYS sessions 2026-01-05 … 2026-10-30 drawn from a fixed seed (about
  80 % before mid-July, the rest inside the 90-session window of 2026-11-20), and
  ``entry_price`` = the synthetic close on the entry date, rounded to cents;
- option strikes: the underlying's entry-date close × the spec's moneyness, rounded
  to the listed strike grid ($1 below $50, $5 below $200, $10 above);
  expiries are third Fridays of 2027–2028;
- quantities: each position's target market value (main book: $1.65M over 20 longs,
  $1.05M over 15 shorts, $0.30M over 15 options ≈ $3M gross) divided by its
  synthetic close on :data:`SIZING_DATE` (× 100 for options), rounded to lots of
  10 shares or to whole contracts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ingest import calendar
from ingest.config import Settings
from ingest.occ import format_occ
from ingest.synthetic import SyntheticProvider

HERE = Path(__file__).resolve().parent
SIZING_DATE = dt.date(2026, 11, 20)
ENTRY_FIRST, ENTRY_LAST = dt.date(2026, 1, 5), dt.date(2026, 10, 30)
# Most of the book is held before the 90-session window of 2026-11-20 (which opens in
# mid-July), so the default equity (gross on the first snapshot day) is near the book size.
WINDOW_OPENS = dt.date(2026, 7, 15)
SHARE_ENTERED_IN_WINDOW = 0.2
ENTRY_SEED = 20261120
SHARE_LOT = 10
MULTIPLIER = 100
HEADER = ("ticker", "quantity", "entry_price", "entry_date", "tags")


@dataclass(frozen=True)
class StockSpec:
    """A stock position: ticker, +1 long / −1 short, target market value ($), tags."""

    ticker: str
    side: int
    target: float
    tags: str


@dataclass(frozen=True)
class OptionSpec:
    """An option position on ``underlying``: strike = entry close × ``moneyness``."""

    underlying: str
    option_type: str
    side: int
    moneyness: float
    expiry: dt.date
    target: float
    tags: str


def third_friday(year: int, month: int) -> dt.date:
    """The third Friday of the month (standard monthly option expiry)."""
    first = dt.date(year, month, 1)
    return first + dt.timedelta(days=(4 - first.weekday()) % 7 + 14)


def _stocks(side: int, total: float, rows: list[tuple[str, str]]) -> list[StockSpec]:
    return [StockSpec(ticker, side, total / len(rows), tags) for ticker, tags in rows]


def _options(total: float, rows: list[tuple]) -> list[OptionSpec]:
    return [OptionSpec(u, t, side, m, third_friday(*expiry), total / len(rows), tags)
            for u, t, side, m, expiry, tags in rows]


MAIN_BOOK = (
    _stocks(+1, 1_650_000, [
        ("AAPL", "tech,core,quality"), ("MSFT", "tech,core,quality"),
        ("NVDA", "tech,momentum"), ("GOOGL", "tech,core"), ("AMZN", "tech,momentum"),
        ("META", "tech,momentum"), ("AVGO", "tech,momentum"), ("ORCL", "tech,value"),
        ("CRM", "tech"), ("JPM", "value,core"), ("V", "quality,core"),
        ("MA", "quality,core"), ("UNH", "value"), ("LLY", "momentum,quality"),
        ("COST", "quality,core"), ("HD", "value"), ("CAT", "value"), ("GE", "momentum"),
        ("XOM", "value"), ("PG", "quality,core"),
    ])
    + _stocks(-1, 1_050_000, [
        ("TSLA", "hedge,momentum"), ("INTC", "hedge,tech"), ("NKE", "hedge"),
        ("F", "hedge,value"), ("BA", "hedge"), ("PFE", "hedge,value"), ("DIS", "hedge"),
        ("VZ", "hedge,value"), ("T", "hedge,value"), ("KO", "hedge,quality"),
        ("IBM", "hedge,tech"), ("AMD", "hedge,tech"), ("NFLX", "hedge,momentum"),
        ("BAC", "hedge,value"), ("PEP", "hedge,quality"),
    ])
    + _options(300_000, [
        ("AAPL", "C", +1, 1.05, (2027, 6), "options,tech"),
        ("NVDA", "C", +1, 1.10, (2027, 12), "options,tech,momentum"),
        ("META", "C", +1, 1.05, (2027, 3), "options,tech"),
        ("AMZN", "C", +1, 1.05, (2028, 1), "options,tech"),
        ("GOOGL", "C", +1, 1.00, (2027, 9), "options,tech"),
        ("MSFT", "P", +1, 0.90, (2027, 6), "options,hedge"),
        ("JPM", "P", +1, 0.90, (2027, 3), "options,hedge"),
        ("TSLA", "P", +1, 0.95, (2027, 12), "options,hedge"),
        ("AMD", "P", +1, 0.95, (2027, 9), "options,hedge"),
        ("XOM", "C", -1, 1.10, (2027, 3), "options,value"),
        ("PG", "C", -1, 1.10, (2027, 6), "options,quality"),
        ("COST", "C", -1, 1.10, (2028, 1), "options,quality"),
        ("AVGO", "P", -1, 0.85, (2027, 12), "options,momentum"),
        ("V", "P", -1, 0.90, (2028, 6), "options,quality"),
        ("HD", "P", -1, 0.90, (2027, 9), "options,value"),
    ])
)

SECOND_BOOK = (
    _stocks(+1, 300_000, [
        ("WMT", "core,quality"), ("KO", "core,quality"), ("JNJ", "core,value"),
        ("MCD", "core"), ("CVX", "value"), ("SPY", "core"),
    ])
    + _stocks(-1, 100_000, [("NKE", "hedge"), ("BA", "hedge")])
    + _options(40_000, [
        ("WMT", "C", +1, 1.05, (2027, 6), "options"),
        ("SPY", "P", +1, 0.90, (2027, 12), "options,hedge"),
    ])
)


def strike_grid(price: np.ndarray) -> np.ndarray:
    """Listed strike spacing: $1 below $50, $5 below $200, $10 from $200 (dollars)."""
    return np.select([price < 50, price < 200], [1.0, 5.0], 10.0)


def build_book(specs: list, provider: SyntheticProvider, seed: int) -> pd.DataFrame:
    """One CSV book from stock and option specs (see the module docstring)."""
    rng = np.random.default_rng(seed)
    early = calendar.sessions(ENTRY_FIRST, WINDOW_OPENS - dt.timedelta(days=1))
    late = calendar.sessions(WINDOW_OPENS, ENTRY_LAST)
    in_window = rng.random(len(specs)) < SHARE_ENTERED_IN_WINDOW
    entry_dates = np.where(in_window, np.array(late)[rng.integers(len(late), size=len(specs))],
                           np.array(early)[rng.integers(len(early), size=len(specs))])
    book = pd.DataFrame({
        "spec": specs,
        "underlying": [getattr(s, "ticker", None) or s.underlying for s in specs],
        "entry_date": list(entry_dates),
    })
    stock_bars = provider.daily_bars(book["underlying"].unique(), ENTRY_FIRST,
                                     SIZING_DATE).bars.set_index(["symbol", "price_date"])
    spot = stock_bars["close"].reindex(pd.MultiIndex.from_frame(
        book[["underlying", "entry_date"]])).to_numpy()
    is_option = book["spec"].map(lambda s: isinstance(s, OptionSpec)).to_numpy()
    moneyness = np.array([getattr(s, "moneyness", 1.0) for s in specs])
    grid = strike_grid(spot * moneyness)
    strikes = np.round(spot * moneyness / grid) * grid
    book["ticker"] = [
        format_occ(s.underlying, s.expiry, s.option_type, float(k)) if option else s.ticker
        for s, k, option in zip(specs, strikes, is_option, strict=True)]
    bars = pd.concat([stock_bars.reset_index(), provider.daily_bars(
        book.loc[is_option, "ticker"], ENTRY_FIRST, SIZING_DATE).bars]
    ).set_index(["symbol", "price_date"])["close"]
    entry_close = bars.reindex(pd.MultiIndex.from_frame(book[["ticker", "entry_date"]]))
    sizing_close = bars.reindex(pd.MultiIndex.from_arrays(
        [book["ticker"], [SIZING_DATE] * len(book)]))
    multiplier = np.where(is_option, MULTIPLIER, 1)
    lot = np.where(is_option, 1, SHARE_LOT)
    target = np.array([s.target for s in specs])
    side = np.array([s.side for s in specs])
    lots = np.maximum(1, np.round(target / (sizing_close.to_numpy() * multiplier * lot)))
    book["quantity"] = (side * lots * lot).astype(int)
    book["entry_price"] = np.round(entry_close.to_numpy(), 2)
    book["tags"] = [s.tags for s in specs]
    return book[list(HEADER)]


def build_books() -> dict[str, pd.DataFrame]:
    """Both demo books, keyed by file name."""
    provider = SyntheticProvider(Settings.model_fields["risk_free_rate"].default)
    return {"demo_user_1.csv": build_book(MAIN_BOOK, provider, ENTRY_SEED),
            "demo_user_2.csv": build_book(SECOND_BOOK, provider, ENTRY_SEED + 1)}


def main() -> None:
    for name, book in build_books().items():
        book.to_csv(HERE / name, index=False, float_format="%.2f", lineterminator="\n")
        print(f"wrote {HERE / name}: {len(book)} positions")


if __name__ == "__main__":
    main()
