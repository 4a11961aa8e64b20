"""``GET /prices/{symbol}`` refuses another user's symbol as fast as a never-loaded one; JSON.

A DuckDB warehouse in a temporary directory holds two books: demo_user_1 holds AAPL,
demo_user_2 holds NVDA, and ``raw.prices_daily`` has 500 closes of each. As demo_user_1
the bench requests, interleaved, ``/prices/NVDA`` (loaded, held by someone else) and
``/prices/ZZZZ`` (never loaded), ``--requests`` times each over the app in-process
(Starlette's test client: no network), and reports the median and p90 latency of each,
their ratio and whether the two 404 bodies are identical but for the symbol. A timing
side channel would show as a ratio far from 1.

Run: ``.venv/bin/python bench/bench_prices_404.py [--requests 300]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:  # run as a script
    sys.path.insert(0, str(REPO_ROOT))

AS_OF = dt.date(2026, 11, 20)
HEADER = b"ticker,quantity,entry_price,entry_date,tags\n"


def main() -> None:
    from fastapi.testclient import TestClient

    from api.main import create_app
    from api.seed import seed_demo_users
    from ingest.config import Settings
    from ingest.upload import upload_positions_csv
    from ingest.warehouse import get_warehouse
    from ingest.warehouse.schema import ensure_schema

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        settings = Settings(environment="test", data_dir=Path(directory),
                            database_url=f"duckdb:///{directory}/warehouse.duckdb",
                            duckdb_idle_release_seconds=0, as_of_date=AS_OF)
        warehouse = get_warehouse(settings)
        ensure_schema(warehouse)
        users = seed_demo_users(warehouse, rounds=4)
        for user, symbol in (("demo_user_1", b"AAPL"), ("demo_user_2", b"NVDA")):
            upload_positions_csv(warehouse, user_id=users[user], today=AS_OF,
                                 data=HEADER + symbol + b",10,100,2026-06-01,\n")
        with warehouse.connect() as conn:
            for symbol in ("AAPL", "NVDA"):
                for day in range(500):
                    conn.execute("insert into raw.prices_daily (symbol, price_date, close, "
                                 "source) values (:s, :d, 100, 'synthetic')",
                                 {"s": symbol, "d": AS_OF - dt.timedelta(days=day)})
        client = TestClient(create_app(settings))
        token = client.post("/api/v1/auth/login", json={
            "username": "demo_user_1", "password": "demo123"}).json()["token"]
        headers = {"Authorization": f"Bearer {token}"}
        times: dict[str, list[float]] = {"NVDA": [], "ZZZZ": []}
        bodies = {}
        for _ in range(20):  # warm-up
            client.get("/api/v1/prices/ZZZZ", headers=headers)
        for _ in range(args.requests):
            for symbol in times:
                started = time.perf_counter()
                response = client.get(f"/api/v1/prices/{symbol}", headers=headers)
                times[symbol].append((time.perf_counter() - started) * 1000)
                assert response.status_code == 404, response.text
                bodies[symbol] = response.text.replace(symbol, "<symbol>")
        own = client.get("/api/v1/prices/AAPL", headers=headers).status_code
    stats = {symbol: {"p50_ms": round(float(np.median(v)), 3),
                      "p90_ms": round(float(np.percentile(v, 90)), 3)}
             for symbol, v in times.items()}
    print(json.dumps({
        "requests_each": args.requests, "held_by_another_user": stats["NVDA"],
        "never_loaded": stats["ZZZZ"],
        "p50_ratio": round(stats["NVDA"]["p50_ms"] / stats["ZZZZ"]["p50_ms"], 3),
        "same_body": bodies["NVDA"] == bodies["ZZZZ"], "own_symbol_status": own,
    }, indent=2))


if __name__ == "__main__":
    main()
