"""Symbols per minute through the Polygon client against the loopback fake; prints JSON.

Cases (real time, real HTTP on 127.0.0.1, bars from the synthetic provider):

- ``rate_5_per_min``: the default free-tier budget, burst 1. Throughput is bounded
  by the limiter (12 s between requests); ``steady_state_per_minute`` excludes the
  first request (the bucket starts with one token).
- ``unlimited``: the client and the fake server alone (one request per symbol,
  one year of bars each), sequential, plus ``unlimited_paged`` with 50-bar pages
  (6 requests per symbol). The fake server's bars are generated before timing
  (``--server-warm``, default on), so the figure is the client + HTTP cost; with
  ``--no-server-warm`` it includes generating synthetic bars in the server.
- ``cached_rerun``: the same backfill again through the warehouse cache (DuckDB):
  stored days are never refetched, so no request is made.

Run: ``.venv/bin/python bench/bench_polygon.py [--limited-symbols 4]
[--unlimited-symbols 200]``. The 5/min case takes (limited-symbols − 1) × 12 s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ingest.backfill_progress import backfill_prices  # noqa: E402
from ingest.config import Settings  # noqa: E402
from ingest.market_cache import CachedPriceProvider  # noqa: E402
from ingest.polygon import PolygonProvider  # noqa: E402
from ingest.rate_limit import TokenBucket  # noqa: E402
from ingest.warehouse import Warehouse  # noqa: E402
from ingest.warehouse.schema import ensure_schema  # noqa: E402
from tests.fakes.fake_polygon import FakePolygon  # noqa: E402

START, END = dt.date(2024, 11, 20), dt.date(2025, 11, 20)


def tickers(n: int) -> list[str]:
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    return [letters[i // 676 % 26] + letters[i // 26 % 26] + letters[i % 26] for i in range(n)]


def run_case(fake: FakePolygon, symbols: list[str], rate: float) -> dict:
    fake.log.clear()
    limiter = TokenBucket(rate) if rate != math.inf else TokenBucket(math.inf)
    provider = PolygonProvider(base_url=fake.base_url, api_key=fake.api_key, limiter=limiter)
    started = time.perf_counter()
    result = provider.daily_bars(symbols, START, END)
    elapsed = time.perf_counter() - started
    provider.close()
    arrivals = sorted(record.at for record in fake.aggregate_requests())
    span = arrivals[-1] - arrivals[0] if len(arrivals) > 1 else 0.0
    out = {
        "rate_per_minute": rate if rate != math.inf else "unlimited",
        "symbols": len(symbols),
        "failed": len(result.errors),
        "rows": len(result.bars),
        "requests": len(arrivals),
        "seconds": round(elapsed, 3),
        "symbols_per_minute": round(len(symbols) / elapsed * 60, 1),
        "max_requests_in_any_60s_window": max(
            sum(1 for t in arrivals if s <= t < s + 60) for s in arrivals),
    }
    if len(symbols) > 1 and span > 0:
        out["steady_state_per_minute"] = round((len(arrivals) - 1) / span * 60, 2)
    return out


def cached_rerun(fake: FakePolygon, symbols: list[str]) -> dict:
    with tempfile.TemporaryDirectory() as directory:
        settings = Settings(environment="test", data_dir=Path(directory),
                            database_url=f"duckdb:///{directory}/bench.duckdb",
                            duckdb_idle_release_seconds=0)
        warehouse = Warehouse(settings)
        ensure_schema(warehouse)
        timings = []
        for _ in range(2):
            fake.log.clear()
            provider = CachedPriceProvider(
                PolygonProvider(base_url=fake.base_url, api_key=fake.api_key,
                                limiter=TokenBucket(math.inf)), warehouse)
            started = time.perf_counter()
            backfill_prices(warehouse, provider, symbols, START, END)
            timings.append((time.perf_counter() - started, len(fake.log)))
        warehouse.close()
    (cold, cold_requests), (warm, warm_requests) = timings
    return {"symbols": len(symbols), "warehouse": "duckdb",
            "first_backfill_seconds": round(cold, 3), "first_backfill_requests": cold_requests,
            "first_symbols_per_minute": round(len(symbols) / cold * 60, 1),
            "rerun_seconds": round(warm, 3), "rerun_requests": warm_requests,
            "rerun_symbols_per_minute": round(len(symbols) / warm * 60, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limited-symbols", type=int, default=4)
    parser.add_argument("--unlimited-symbols", type=int, default=200)
    parser.add_argument("--cached-symbols", type=int, default=50)
    parser.add_argument("--server-warm", action=argparse.BooleanOptionalAction, default=True)
    args = parser.parse_args()
    results = {}
    with FakePolygon() as fake:
        run_case(fake, tickers(3), math.inf)   # warm up: synthetic horizon, imports
        if args.server_warm:
            for ticker in tickers(max(args.unlimited_symbols, args.cached_symbols)):
                fake.results(ticker, START, END)
        results["rate_5_per_min"] = run_case(fake, tickers(args.limited_symbols), 5.0)
        results["unlimited"] = run_case(fake, tickers(args.unlimited_symbols), math.inf)
        fake.page_size = 50
        results["unlimited_paged"] = run_case(fake, tickers(args.unlimited_symbols // 4),
                                              math.inf)
        fake.page_size = 50_000
        results["cached_rerun"] = cached_rerun(fake, tickers(args.cached_symbols))
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
