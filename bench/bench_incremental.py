"""Incremental dbt builds vs a full build, on DuckDB; prints JSON.

For each size N: N synthetic books of 50 positions (bench/bench_pipeline.py's
generator) with synthetic prices loaded for ``AS_OF``, then, timed (dbt stage 1 and
stage 2 as the batch runs them, data tests included; no risk step):

- ``full_s``: ``dbt build --full-refresh``;
- ``daily_s``: the next session's prices loaded, then a plain ``dbt build`` (the
  incremental daily update: one new session);
- ``upload_s``: portfolio 1's book replaced (every quantity doubled, one lot added),
  then ``dbt build`` (the upload's run: one portfolio rebuilt);
- ``upload_alone_s``: the same upload in a warehouse holding portfolio 1 only.

AS_OF (20 Nov 2026) is in the part of the year where the loaded history starts at the
previous year's last session; from January to July the start slides with every session
and the portfolios holding positions entered before it are rebuilt (see
int_build_changes), which this benchmark does not measure.
Run: ``.venv/bin/python bench/bench_incremental.py [--sizes 100 1000]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import tempfile
import time
from pathlib import Path

from bench.bench_pipeline import AS_OF, drop, fresh_settings, insert_synthetic_books
from flows import steps
from flows.dbt_runner import run_dbt
from ingest import calendar
from ingest.config import Settings
from ingest.warehouse import Warehouse
from ingest.warehouse.schema import ensure_schema

NEXT_SESSION = calendar.sessions(AS_OF + dt.timedelta(days=1), AS_OF + dt.timedelta(days=10))[0]


INCREMENTAL = ("int_position_values_daily", "int_portfolio_values_daily",
               "fct_position_values_daily", "fct_portfolio_snapshots",
               "fct_group_exposures_daily", "fct_portfolio_snapshot_history",
               "int_build_changes", "int_build_state_books", "int_build_state_window",
               "int_build_state_prices")
NODE_SECONDS: dict[str, dict[str, float]] = {}


def dbt_stages(settings: Settings, *extra: str, label: str = "") -> float:
    """Stage 1 then stage 2 (``dbt build --select tag:stageN``); seconds. The execution
    time of the incremental models and of the slowest nodes go to NODE_SECONDS[label]."""
    started = time.perf_counter()
    nodes: dict[str, float] = {}
    for stage in ("tag:stage1", "tag:stage2"):
        result = run_dbt(["build", "--select", stage, *extra], settings)
        for item in getattr(result.result, "results", []) or []:
            nodes[item.node.name] = round(float(item.execution_time), 2)
    if label:
        slowest = sorted(nodes.items(), key=lambda kv: -kv[1])[:8]
        NODE_SECONDS[label] = {
            "incremental_models_s": round(sum(nodes.get(name, 0.0) for name in INCREMENTAL), 2),
            "all_nodes_s": round(sum(nodes.values()), 2),
            **{f"slowest:{name}": seconds for name, seconds in slowest}}
    return round(time.perf_counter() - started, 2)


def upload(warehouse: Warehouse) -> None:
    """Portfolio 1's new book: every quantity doubled and one lot added."""
    with warehouse.connect() as conn:
        conn.execute("update app.positions set quantity = 2 * quantity, "
                     "updated_at = current_timestamp where portfolio_id = 1")
        conn.execute("insert into app.positions (id, portfolio_id, symbol, quantity, "
                     "entry_price, entry_date) values (999999999, 1, 'SPY', 10, 500, "
                     "date '2026-10-01')")


def rows(warehouse: Warehouse, table: str) -> int:
    with warehouse.connect() as conn:
        return int(conn.fetch_one(f"select count(*) as n from {table}")["n"])


def built(directory: Path, portfolios: int) -> tuple[Settings, Warehouse, float]:
    """A warehouse with ``portfolios`` books and AS_OF's prices, fully built (timed)."""
    settings = fresh_settings("duckdb", directory)
    warehouse = Warehouse(settings)
    ensure_schema(warehouse)
    insert_synthetic_books(warehouse, portfolios)
    steps.load_prices_step(warehouse, settings, AS_OF)
    return settings, warehouse, dbt_stages(settings, "--full-refresh",
                                           label=f"full_{portfolios}")


def bench_size(directory: Path, size: int) -> dict:
    settings, warehouse, full_s = built(directory, size)
    try:
        result: dict = {"full_s": full_s,
                        "position_days": rows(warehouse, "intermediate.int_position_values_daily")}
        steps.load_prices_step(warehouse, settings, NEXT_SESSION)
        result["daily_s"] = dbt_stages(settings, label=f"daily_{size}")
        upload(warehouse)
        result["upload_s"] = dbt_stages(settings, label=f"upload_{size}")
        result["full_again_s"] = dbt_stages(settings, "--full-refresh",
                                            label=f"full_again_{size}")
    finally:
        warehouse.close()
        drop(settings)
    settings, warehouse, _ = built(directory, 1)
    try:
        upload(warehouse)
        result["upload_alone_s"] = dbt_stages(settings, label="upload_alone")
    finally:
        warehouse.close()
        drop(settings)
    result["daily_over_full"] = round(result["daily_s"] / result["full_again_s"], 3)
    result["upload_over_alone"] = round(result["upload_s"] / result["upload_alone_s"], 3)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="*", default=[100, 1000])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        results = {str(size): bench_size(Path(directory), size) for size in args.sizes}
    print(json.dumps({"benchmark": "incremental", "warehouse": "duckdb",
                      "as_of": str(AS_OF), "next_session": str(NEXT_SESSION),
                      "results": results, "nodes_s": NODE_SECONDS}, indent=2))


if __name__ == "__main__":
    main()
