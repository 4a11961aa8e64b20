"""A small hand-built book and price history for the dbt tests, and a plain-Python
recomputation of the marts (design §5) to check dbt against.

Every price and quantity is a multiple of 1/16, so all sums and products are exact in
binary floating point: DuckDB and PostgreSQL must agree bit for bit, and with the
loops below to far better than 1e-9.

The book covers: a long stock entered before the loaded history, a short with missing
closes (one on the first session of February; carried forward, stale), options of the
four types (one entered on a Saturday, one inside the window), a stock and an option
missing from the security master, a second portfolio with set equity whose positions
enter inside the window, a portfolio whose only position enters after the as-of date
and one with no positions.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict

import pandas as pd

from ingest.warehouse import Warehouse

D = dt.date.fromisoformat

# XNYS sessions 2024-12-18 .. 2025-02-07 (Christmas, New Year, 9 Jan 2025 and MLK
# day closed), written out so the test does not depend on the calendar code.
SESSIONS = [D(s) for s in (
    "2024-12-18", "2024-12-19", "2024-12-20", "2024-12-23", "2024-12-24", "2024-12-26",
    "2024-12-27", "2024-12-30", "2024-12-31", "2025-01-02", "2025-01-03", "2025-01-06",
    "2025-01-07", "2025-01-08", "2025-01-10", "2025-01-13", "2025-01-14", "2025-01-15",
    "2025-01-16", "2025-01-17", "2025-01-21", "2025-01-22", "2025-01-23", "2025-01-24",
    "2025-01-27", "2025-01-28", "2025-01-29", "2025-01-30", "2025-01-31", "2025-02-03",
    "2025-02-04", "2025-02-05", "2025-02-06", "2025-02-07",
)]
SNAPSHOT_DAYS = 20
WINDOW = SESSIONS[-SNAPSHOT_DAYS:]  # 2025-01-10 .. 2025-02-07

PORTFOLIOS = [  # id, user_id, name, equity
    (1, 1, "main", None),
    (2, 1, "second", 50_000.0),
    (3, 2, "future entry only", None),
    (4, 2, "empty", None),
]

POSITIONS = [  # id, portfolio_id, symbol, quantity, entry_price, entry_date
    (1, 1, "AAPL", 100.0, 180.5, D("2024-06-03")),
    (2, 1, "TSLA", -50.0, 250.25, D("2024-12-30")),
    (3, 1, "AAPL250321C00200000", 3.0, 4.25, D("2025-01-15")),
    (4, 1, "MSFT250321P00400000", -2.0, 6.5, D("2025-01-18")),  # a Saturday
    (5, 1, "SPY250321P00500000", 1.0, 3.125, D("2024-12-19")),
    (6, 1, "SPY250321C00650000", -4.0, 2.5, D("2025-01-31")),
    (7, 1, "XYZ", 10.0, 20.0, D("2024-12-18")),  # not in the security master
    (8, 1, "ZZZ250620C00050000", -1.0, 1.5, D("2025-01-02")),  # not in the master
    (9, 2, "NVDA", 200.0, 130.75, D("2025-01-27")),
    (10, 2, "QQQ", -30.0, 520.0, D("2025-01-27")),
    (11, 3, "AMD", 40.0, 120.0, D("2025-02-10")),  # after the as-of date
]

SECURITIES = [  # symbol, asset_type, underlying, option_type, strike, expiry, sector, industry
    ("AAPL", "STOCK", "AAPL", None, None, None, "Technology", "Consumer Electronics"),
    ("TSLA", "STOCK", "TSLA", None, None, None, "Consumer Cyclical", "Auto Manufacturers"),
    ("MSFT", "STOCK", "MSFT", None, None, None, "Technology", "Software"),
    ("NVDA", "STOCK", "NVDA", None, None, None, "Technology", "Semiconductors"),
    ("AMD", "STOCK", "AMD", None, None, None, "Technology", "Semiconductors"),
    ("SPY", "ETF", "SPY", None, None, None, None, None),
    ("QQQ", "ETF", "QQQ", None, None, None, None, None),
    ("AAPL250321C00200000", "OPTION", "AAPL", "C", 200.0, D("2025-03-21"), None, None),
    ("MSFT250321P00400000", "OPTION", "MSFT", "P", 400.0, D("2025-03-21"), None, None),
    ("SPY250321P00500000", "OPTION", "SPY", "P", 500.0, D("2025-03-21"), None, None),
    ("SPY250321C00650000", "OPTION", "SPY", "C", 650.0, D("2025-03-21"), None, None),
]

# What dim_positions must say, written by hand:
# id: (underlying, asset_type, position_type, option_type, strike, expiry, multiplier, sector)
EXPECTED_DIM = {
    1: ("AAPL", "STOCK", "LONG", None, None, None, 1, "Technology"),
    2: ("TSLA", "STOCK", "SHORT", None, None, None, 1, "Consumer Cyclical"),
    3: ("AAPL", "OPTION", "LC", "C", 200.0, D("2025-03-21"), 100, None),
    4: ("MSFT", "OPTION", "SP", "P", 400.0, D("2025-03-21"), 100, None),
    5: ("SPY", "OPTION", "LP", "P", 500.0, D("2025-03-21"), 100, None),
    6: ("SPY", "OPTION", "SC", "C", 650.0, D("2025-03-21"), 100, None),
    7: ("XYZ", "STOCK", "LONG", None, None, None, 1, None),
    8: ("ZZZ", "OPTION", "SC", "C", 50.0, D("2025-06-20"), 100, None),
    9: ("NVDA", "STOCK", "LONG", None, None, None, 1, "Technology"),
    10: ("QQQ", "ETF", "SHORT", None, None, None, 1, None),
    11: ("AMD", "STOCK", "LONG", None, None, None, 1, "Technology"),
}

BASE_PRICES = {
    "AAPL": 190.0, "TSLA": 240.0, "MSFT": 420.0, "NVDA": 135.0, "AMD": 118.0,
    "SPY": 590.0, "QQQ": 515.0, "XYZ": 21.0,
    "AAPL250321C00200000": 5.0, "MSFT250321P00400000": 7.0, "SPY250321P00500000": 3.0,
    "SPY250321C00650000": 2.0, "ZZZ250620C00050000": 1.25,
}
MISSING_CLOSES = {("TSLA", D("2025-01-22")), ("TSLA", D("2025-02-03"))}
OFF_CALENDAR_CLOSE = ("AAPL", D("2025-01-18"), 999.0)  # not a session: must be ignored


def price_rows() -> list[tuple]:
    """Seeded random walks in steps of 1/8 (stocks) or 1/16 (options)."""
    rng = random.Random(20250207)
    rows = []
    for symbol, price in BASE_PRICES.items():
        option = len(symbol) > 6
        step = 1 / 16 if option else 1 / 8
        for day in SESSIONS:
            price = max(price + rng.randint(-8, 8) * step, step)
            if (symbol, day) not in MISSING_CLOSES:
                rows.append((symbol, day, price, "synthetic" if option else "polygon"))
    rows.append((*OFF_CALENDAR_CLOSE, "polygon"))
    return rows


def frames() -> dict[str, pd.DataFrame]:
    """The source tables as DataFrames, by qualified table name."""
    prices = pd.DataFrame(price_rows(), columns=["symbol", "price_date", "close", "source"])
    return {
        "app.portfolios": pd.DataFrame(PORTFOLIOS, columns=["id", "user_id", "name", "equity"]),
        "app.positions": pd.DataFrame(POSITIONS, columns=[
            "id", "portfolio_id", "symbol", "quantity", "entry_price", "entry_date"]),
        "raw.securities": pd.DataFrame(SECURITIES, columns=[
            "symbol", "asset_type", "underlying_symbol", "option_type", "strike",
            "expiry_date", "sector", "industry"]),
        "raw.prices_daily": prices,
        "raw.trading_days": pd.DataFrame(
            [(day, len(SESSIONS) - 1 - i) for i, day in enumerate(SESSIONS)],
            columns=["session_date", "session_index"]),
    }


def load(warehouse: Warehouse) -> None:
    """Insert the dataset into a warehouse whose schemas exist."""
    with warehouse.connect() as conn:
        for table, frame in frames().items():
            conn.insert_df(table, frame)


def recompute_positions() -> dict[tuple[int, dt.date], dict]:
    """Every position on every loaded session on or after its entry date (options: up to
    expiry) from its first close; a session without a close carries the last one."""
    close = {(symbol, day): price for symbol, day, price, _ in price_rows()}
    rows = {}
    for pid, portfolio_id, symbol, q, entry, entry_date in POSITIONS:
        m, expiry = EXPECTED_DIM[pid][6], EXPECTED_DIM[pid][5]
        previous_price = previous_day = price = price_date = None
        mtd = ytd = 0.0
        for day in SESSIONS:
            if day < entry_date or (expiry is not None and day > expiry):
                continue
            if (symbol, day) in close:
                price, price_date = close[(symbol, day)], day
            if price is None:
                continue
            prev = entry if previous_price is None else previous_price
            daily = q * (price - prev) * m
            if previous_day is None or previous_day.month != day.month \
                    or previous_day.year != day.year:
                mtd = 0.0
            if previous_day is None or previous_day.year != day.year:
                ytd = 0.0
            mtd += daily
            ytd += daily
            rows[(pid, day)] = {
                "portfolio_id": portfolio_id, "price": price, "previous_price": prev,
                "market_value": abs(q) * price * m, "exposure": q * price * m,
                "cost_basis": q * entry * m,
                "unrealized_pnl": q * price * m - q * entry * m,
                "daily_pnl": daily, "mtd_pnl": mtd, "ytd_pnl": ytd,
                "position_type": EXPECTED_DIM[pid][2], "price_date": price_date,
                "price_is_stale": price_date != day,
            }
            previous_price, previous_day = price, day
    return rows


def recompute_snapshots() -> dict[tuple[int, dt.date], dict]:
    """One row per portfolio per window session from its first session with a value."""
    positions = recompute_positions()
    by_day: dict[tuple[int, dt.date], list[dict]] = defaultdict(list)
    for (_, day), row in positions.items():
        if day in WINDOW:
            by_day[(row["portfolio_id"], day)].append(row)
    snapshots = {}
    for portfolio_id, _, _, set_equity in PORTFOLIOS:
        days = [day for day in WINDOW if by_day[(portfolio_id, day)]]
        if not days:
            continue
        first = days[0]
        equity = set_equity
        if equity is None:
            equity = sum(r["market_value"] for r in by_day[(portfolio_id, first)])
        cumulative, value = 0.0, equity
        for day in (d for d in WINDOW if d >= first):
            rows = by_day[(portfolio_id, day)]
            pnl = sum(r["daily_pnl"] for r in rows)
            cumulative += pnl
            types = [r["position_type"] for r in rows]
            snapshots[(portfolio_id, day)] = {
                "equity": equity,
                "market_value": sum(r["market_value"] for r in rows),
                "long_exposure": sum(r["exposure"] for r in rows if r["exposure"] > 0),
                "short_exposure": sum(r["exposure"] for r in rows if r["exposure"] < 0),
                "gross_exposure": sum(abs(r["exposure"]) for r in rows),
                "net_exposure": sum(r["exposure"] for r in rows),
                "daily_pnl": pnl,
                "mtd_pnl": sum(r["mtd_pnl"] for r in rows),
                "ytd_pnl": sum(r["ytd_pnl"] for r in rows),
                "cumulative_pnl": cumulative,
                "portfolio_value": equity + cumulative,
                "previous_portfolio_value": value,
                "daily_return": pnl / value,
                "position_count": len(rows),
                "stale_position_count": sum(r["price_is_stale"] for r in rows),
                "long_count": types.count("LONG"), "short_count": types.count("SHORT"),
                "lc_count": types.count("LC"), "lp_count": types.count("LP"),
                "sc_count": types.count("SC"), "sp_count": types.count("SP"),
            }
            value = equity + cumulative
    return snapshots
