"""The demo job: seed the demo users, upload their books, run the batch, serve the API.

This is the composition root of ``make demo``, so it sits in the top layer: it needs the
API's user seeding and server as well as the batch (through :mod:`api.batches`).
``python -m api.demo`` builds the warehouse of the configured target (DuckDB by
default) from the CSV files in ``ingest/demo_data/`` through the same upload path a
user's file takes; ``--serve`` then starts the API on 127.0.0.1:8000 in this process
(on DuckDB the serving process is the one writer of the file).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import time
from pathlib import Path

from api.batches import run_batch_now
from api.secret_guard import InsecureSecretError, check_signing_secret
from api.seed import seed_demo_users
from api.server import uvicorn_options
from ingest.config import REPO_ROOT, Settings, get_settings
from ingest.logs import logging_config
from ingest.upload import upload_positions_csv, upload_today
from ingest.warehouse import Warehouse, get_warehouse
from ingest.warehouse.schema import ensure_schema

DEMO_DATA = REPO_ROOT / "ingest" / "demo_data"
DEMO_BOOKS = {"demo_user_1": DEMO_DATA / "demo_user_1.csv",
              "demo_user_2": DEMO_DATA / "demo_user_2.csv"}


def load_demo_books(warehouse: Warehouse, today: dt.date,
                    books: dict[str, Path] = DEMO_BOOKS) -> dict[str, int]:
    """Seed users and upload each demo CSV; returns {username: portfolio_id}."""
    ensure_schema(warehouse)
    users = seed_demo_users(warehouse)
    return {
        username: upload_positions_csv(warehouse, user_id=users[username],
                                       data=path.read_bytes(), today=today).portfolio_id
        for username, path in books.items()
    }


def build_demo(settings: Settings) -> dict:
    """Seed, upload and run the whole batch; returns timings and the portfolio ids."""
    started = time.perf_counter()
    warehouse = get_warehouse(settings)
    portfolios = load_demo_books(warehouse, upload_today(settings))
    report = run_batch_now(settings, warehouse)
    return {"portfolios": portfolios, "seconds": round(time.perf_counter() - started, 3),
            "timings": report["timings"], "as_of": str(report["market_data"]["as_of"]),
            "provider": report["market_data"]["provider"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--serve", action="store_true", help="serve the API afterwards")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--no-build", action="store_true",
                        help="serve the warehouse as it is (built by an earlier run)")
    args = parser.parse_args()
    settings = get_settings()
    if args.serve:  # refuse before the build: the public secret is for loopback only
        try:
            check_signing_secret(settings, args.host)
        except InsecureSecretError as error:
            raise SystemExit(str(error)) from error
    if not args.no_build:
        summary = build_demo(settings)
        print(json.dumps(summary, indent=2, default=str))
        if summary["provider"] == "synthetic":
            print("NOTE: the demo runs on SYNTHETIC prices (no Polygon key configured).")
    if args.serve:
        import uvicorn

        print(f"\nAPI on http://{args.host}:{args.port}  (dashboard: /, docs: /docs)\n"
              "Log in:  curl -s -X POST "
              f"http://{args.host}:{args.port}/api/v1/auth/login -H 'content-type: "
              "application/json' -d '{\"username\":\"demo_user_1\",\"password\":\"demo123\"}'\n"
              "Users: demo_user_1 / demo123, demo_user_2 / demo123, demo_admin / admin123")
        # SIGINT/SIGTERM: in-flight requests get 5 s, batches of this process are marked
        # failed (api.batches.interrupt_in_process_batches), then the process exits
        uvicorn.run("api.main:app", host=args.host, port=args.port, log_level="info",
                    timeout_graceful_shutdown=5, log_config=logging_config(settings),
                    access_log=False, **uvicorn_options(settings))


if __name__ == "__main__":
    main()
