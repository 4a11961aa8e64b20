"""Provider requests and wall time of market data: the request planner vs per symbol only.

For each book — the demo book (two users, 46 stocks/ETFs and 17 option contracts with
the factor ETFs) and a synthetic book of 500 stocks — a backfill and five daily updates
of the market-data step (:mod:`flows.plan`) run against the loopback fake Polygon
(grouped daily bars, splits, a strict rolling limit answering 429), once with the
planner (``polygon_grouped_daily=True``) and once per symbol only. Time is scaled:
the client's rate is ``--rate`` requests per minute (default 5000, i.e. Polygon's free
tier of 5 per minute × 1000) and the fake enforces 5 per 0.6 × (60 / scale) s (the
client at 60 % of that, for arrival jitter). Printed per run:
requests made (the fake's log), the plan's figure, wall seconds, and
``free_tier_minutes`` = (requests − 1) × 12 s / 60, the time those requests take at 5
per minute. DuckDB in a temporary directory.

Run: ``.venv/bin/python bench/bench_market_plan.py [--rate 5000] [--big 500]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from api.demo import load_demo_books  # noqa: E402
from flows.plan import STEPS, BatchContext, execute_plan  # noqa: E402
from ingest.calendar import sessions  # noqa: E402
from ingest.config import Settings  # noqa: E402
from ingest.occ import is_option_symbol  # noqa: E402
from ingest.security_master import symbols_for_book  # noqa: E402
from ingest.upload import upload_positions_csv  # noqa: E402
from ingest.warehouse import Warehouse  # noqa: E402
from ingest.warehouse.schema import ensure_schema  # noqa: E402
from tests.fakes.fake_polygon import FakePolygon  # noqa: E402

DAYS = sessions(dt.date(2026, 11, 13), dt.date(2026, 11, 20))  # backfill + 5 updates
FREE_TIER_PER_MINUTE = 5.0


def tickers(n: int) -> list[str]:
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    return ["Z" + letters[i // 676 % 26] + letters[i // 26 % 26] + letters[i % 26]
            for i in range(n)]


def load_book(warehouse: Warehouse, book: str, big: int) -> None:
    if book == "demo":
        load_demo_books(warehouse, today=DAYS[0])
        return
    ensure_schema(warehouse)
    csv = "ticker,quantity,entry_price,entry_date,tags\n" + "".join(
        f"{symbol},10,100,2026-06-01,\n" for symbol in tickers(big))
    upload_positions_csv(warehouse, user_id=1, data=csv.encode(), today=DAYS[0])


def run(book: str, grouped: bool, rate: float, big: int, directory: Path) -> dict:
    # the fake's scaled rolling minute, the client at 60 % of its limit (arrival jitter)
    window = 60.0 * FREE_TIER_PER_MINUTE / rate * 0.6
    with FakePolygon(limit=(5, window)) as fake:
        settings = Settings(environment="test", data_dir=directory,
                            database_url=f"duckdb:///{directory / 'bench.duckdb'}",
                            as_of_date=DAYS[0], polygon_api_key=fake.api_key,
                            polygon_base_url=fake.base_url, polygon_requests_per_minute=rate,
                            polygon_grouped_daily=grouped, yfinance_enabled=False,
                            duckdb_idle_release_seconds=0)
        warehouse = Warehouse(settings)
        load_book(warehouse, book, big)
        with warehouse.connect() as conn:
            symbols = symbols_for_book(conn)
        fake.market.universe = {s for s in symbols if not is_option_symbol(s)}
        runs = []
        for day in DAYS:
            fake.market.today = day
            ctx = BatchContext(settings.model_copy(update={"as_of_date": day}), warehouse, day)
            before = len(fake.log)
            started = time.perf_counter()
            report = execute_plan(ctx, [STEPS["market_data"]])
            made = len(fake.log) - before
            runs.append({"as_of": str(day), "requests": made,
                         "planned": report["request_plan"]["requests"],
                         "rate_limited_429": sum(r.status == 429 for r in fake.log[before:]),
                         "wall_seconds": round(time.perf_counter() - started, 3),
                         "free_tier_minutes": round(max(made - 1, 0) * 60
                                                    / FREE_TIER_PER_MINUTE / 60, 2)})
        warehouse.close()
    return {"book": book, "symbols": len(symbols),
            "mode": "planner" if grouped else "per_symbol_only",
            "backfill": runs[0], "daily_updates": runs[1:],
            "total_requests": sum(r["requests"] for r in runs),
            "total_wall_seconds": round(sum(r["wall_seconds"] for r in runs), 3),
            "total_free_tier_minutes": round(sum(r["free_tier_minutes"] for r in runs), 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rate", type=float, default=5000.0,
                        help="client requests per (scaled) minute")
    parser.add_argument("--big", type=int, default=500, help="stocks of the big book")
    args = parser.parse_args()
    results = []
    for book in ("demo", "big"):
        for grouped in (True, False):
            with tempfile.TemporaryDirectory() as directory:
                results.append(run(book, grouped, args.rate, args.big, Path(directory)))
    print(json.dumps({"rate_per_minute": args.rate, "days": [str(d) for d in DAYS],
                      "results": results}, indent=2))


if __name__ == "__main__":
    main()
