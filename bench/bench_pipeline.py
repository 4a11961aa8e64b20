"""Wall time of the batch pipeline on both warehouses; prints JSON.

Cases: the demo book cold (empty warehouse: seed, upload, full batch) and warm (the
batch again on the built warehouse), then 100 and 1,000 synthetic portfolios of 50
positions each (rows drawn from the demo book with scaled quantities).
``--without-book`` skips the book-analytics step (factor risk model, stress, liquidity,
benchmark and rolling metrics) and its marts (``marts/book``, ``marts/exposures``) to
measure what they cost.
Run: ``.venv/bin/python bench/bench_pipeline.py [--sizes 100 1000] [--kinds duckdb postgres]
[--without-book] [--skip-demo]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np
import pandas as pd
import psycopg

from api.demo import DEMO_BOOKS, load_demo_books
from flows import steps
from flows.dbt_runner import run_dbt
from flows.pipeline import run_pipeline
from ingest.config import Settings
from ingest.warehouse import Warehouse
from ingest.warehouse.schema import ensure_schema

AS_OF = dt.date(2026, 11, 20)
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
BOOK_MARTS = ["path:dbt_project/models/marts/book", "path:dbt_project/models/marts/exposures"]


def fresh_settings(kind: str, directory: Path) -> Settings:
    if kind == "postgres":
        name = f"sigmasight_bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'create database "{name}"')
        url = PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    else:
        url = f"duckdb:///{directory / f'{uuid.uuid4().hex[:8]}.duckdb'}"
    return Settings(environment="test", data_dir=directory, database_url=url,
                    as_of_date=AS_OF, duckdb_idle_release_seconds=0)


def drop(settings: Settings) -> None:
    if settings.warehouse_kind == "postgres":
        name = settings.database_url.rsplit("/", 1)[1]
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'drop database if exists "{name}" with (force)')


def insert_synthetic_books(warehouse: Warehouse, portfolios: int, size: int = 50) -> None:
    """``portfolios`` books of ``size`` positions drawn from the demo book (seeded)."""
    demo = pd.read_csv(DEMO_BOOKS["demo_user_1"])
    rng = np.random.default_rng(42)
    picks = np.concatenate([rng.choice(len(demo), size=size, replace=False)
                            for _ in range(portfolios)])
    book = demo.iloc[picks].reset_index(drop=True)
    ids = np.arange(1, len(book) + 1)
    frame = pd.DataFrame({
        "id": ids,
        "portfolio_id": np.repeat(np.arange(1, portfolios + 1), size),
        "symbol": book["ticker"],
        "quantity": book["quantity"] * rng.integers(1, 4, len(book)),
        "entry_price": book["entry_price"],
        "entry_date": pd.to_datetime(book["entry_date"]).dt.date,
    })
    with warehouse.connect() as conn:
        conn.insert_df("app.users", pd.DataFrame({
            "id": np.arange(1, portfolios + 1),
            "username": [f"bench_{i}" for i in range(portfolios)], "password_hash": "x"}))
        conn.insert_df("app.portfolios", pd.DataFrame({
            "id": np.arange(1, portfolios + 1), "user_id": np.arange(1, portfolios + 1),
            "name": "bench"}))
        conn.insert_df("app.positions", frame)


def timed(function) -> float:
    started = time.perf_counter()
    function()
    return round(time.perf_counter() - started, 2)


def bench_kind(kind: str, sizes: list[int], directory: Path, demo: bool = True) -> dict:
    result: dict = {}
    settings = fresh_settings(kind, directory)
    warehouse = Warehouse(settings)
    try:
        if demo:
            result["demo_cold_s"] = timed(lambda: (load_demo_books(warehouse, AS_OF),
                                                   run_pipeline(settings, warehouse=warehouse)))
            result["demo_warm_s"] = timed(lambda: run_pipeline(settings, warehouse=warehouse))
    finally:
        warehouse.close()
        drop(settings)
    for size in sizes:
        settings = fresh_settings(kind, directory)
        warehouse = Warehouse(settings)
        try:
            ensure_schema(warehouse)
            insert_synthetic_books(warehouse, size)
            started = time.perf_counter()
            report = run_pipeline(settings, warehouse=warehouse)
            result[f"portfolios_{size}_s"] = round(time.perf_counter() - started, 2)
            result[f"portfolios_{size}_steps_s"] = report["timings"]
        finally:
            warehouse.close()
            drop(settings)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="*", default=[100, 1000])
    parser.add_argument("--kinds", nargs="*", default=["duckdb", "postgres"])
    parser.add_argument("--without-book", action="store_true",
                        help="skip the book-analytics step (the baseline of its cost)")
    parser.add_argument("--skip-demo", action="store_true", help="only the synthetic sizes")
    args = parser.parse_args()
    if args.without_book:
        steps.run_book_risk_step = lambda *a, **k: {"skipped": True}
        steps.dbt_stage2_step = lambda settings: run_dbt(
            ["build", "--select", "tag:stage2", "--exclude", *BOOK_MARTS], settings)
    with tempfile.TemporaryDirectory() as directory:
        results = {kind: bench_kind(kind, args.sizes, Path(directory), not args.skip_demo)
                   for kind in args.kinds}
    print(json.dumps({"benchmark": "pipeline", "as_of": str(AS_OF),
                      "book_analytics": not args.without_book, "results": results}, indent=2))


if __name__ == "__main__":
    main()
