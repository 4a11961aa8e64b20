"""Wall time of the Prefect ``daily_update`` flow (the scheduled daily batch); prints JSON.

The flow runs in this process against a temporary local Prefect server
(``prefect_test_harness``), so the numbers include Prefect's orchestration (flow and
task runs, state reports, the progress artifact) on top of the steps that
``bench_pipeline.py`` times through ``run_pipeline``.

Cases per warehouse: the demo book cold (uploaded books, empty marts: the first daily
run) and warm (the same day again, as the 17:30 schedule reruns it), then ``--sizes``
synthetic books of 50 positions each (default 1,000 portfolios), cold.
Run: ``.venv/bin/python bench/bench_daily_flow.py [--sizes 1000] [--kinds duckdb postgres]``
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO_ROOT), str(REPO_ROOT / "bench")]
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

from bench_pipeline import AS_OF, drop, fresh_settings, insert_synthetic_books  # noqa: E402
from prefect.testing.utilities import prefect_test_harness  # noqa: E402

from api.demo import load_demo_books  # noqa: E402
from flows.prefect_flows import daily_update  # noqa: E402
from ingest.config import Settings, get_settings  # noqa: E402
from ingest.warehouse import close_all_warehouses, get_warehouse  # noqa: E402
from ingest.warehouse.schema import ensure_schema  # noqa: E402


def _use(settings: Settings) -> None:
    """Point the flows' get_settings() at ``settings``' warehouse."""
    os.environ.update({
        "SIGMASIGHT_DATA_DIR": str(settings.data_dir),
        "SIGMASIGHT_DATABASE_URL": settings.database_url,
        "SIGMASIGHT_AS_OF_DATE": AS_OF.isoformat(),
        "SIGMASIGHT_DUCKDB_IDLE_RELEASE_SECONDS": "0",
        "SIGMASIGHT_FLOW_RETRY_DELAY_SECONDS": "0",
    })
    get_settings.cache_clear()


def _flow() -> dict:
    started = time.perf_counter()
    report = daily_update(as_of=AS_OF)
    seconds = round(time.perf_counter() - started, 2)
    return {"seconds": seconds, "steps_s": report["timings"],
            "symbols": len(report["market_data"]["symbols"]),
            "portfolios": report["risk"]["portfolios"]}


def bench_kind(kind: str, sizes: list[int], directory: Path) -> dict:
    result: dict = {}
    settings = fresh_settings(kind, directory)
    _use(settings)
    try:
        load_demo_books(get_warehouse(get_settings()), AS_OF)
        result["demo_cold"] = _flow()
        result["demo_warm"] = _flow()
    finally:
        close_all_warehouses()
        drop(settings)
    for size in sizes:
        settings = fresh_settings(kind, directory)
        _use(settings)
        try:
            warehouse = get_warehouse(get_settings())
            ensure_schema(warehouse)
            insert_synthetic_books(warehouse, size)
            result[f"portfolios_{size}"] = _flow()
        finally:
            close_all_warehouses()
            drop(settings)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="*", default=[1000])
    parser.add_argument("--kinds", nargs="*", default=["duckdb", "postgres"])
    args = parser.parse_args()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as directory, prefect_test_harness(
            server_startup_timeout=120):
        harness_s = round(time.perf_counter() - started, 2)
        results = {kind: bench_kind(kind, args.sizes, Path(directory)) for kind in args.kinds}
    print(json.dumps({"benchmark": "daily_update flow (Prefect)", "as_of": str(AS_OF),
                      "server_start_s": harness_s, "results": results}, indent=2))


if __name__ == "__main__":
    main()
