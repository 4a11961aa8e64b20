"""The risk step at 1k–10k portfolios: seconds, CPU seconds and peak memory; prints JSON.

Synthetic, seeded inputs in the shape the risk step reads (91 sessions, a universe of
stocks + the 7 factor ETFs, options on some of them, 50 positions per portfolio,
90 daily returns per portfolio, a few tags), loaded into the stand-in stage-1 tables of
a fresh DuckDB file / PostgreSQL database. Each case runs :func:`run_risk_step` in a
fresh child process, so its peak RSS (``VmHWM``) is the step's own (plus the
imports: ``rss_before_mb``):

- ``unsharded``: one shard holding every portfolio (the all-at-once step);
- ``sharded``: shards of ``--shard`` portfolios, one after the other (the default path);
- ``--dask-workers W…``: weak scaling, ``--portfolios``[0] × W portfolios on a
  ``distributed.LocalCluster`` of W single-threaded worker processes, shards as Prefect
  tasks (prefect-dask) under a temporary Prefect API; the driver's CPU and RSS exclude
  the workers, whose CPU (over all runs of the case) is in ``cpu_children_s``.

Each case runs the step ``--repeat`` times in its process and reports the last run (it
replaces rows already there, as the daily batch does; ``runs`` lists them all); the
peak RSS covers all of them.

The machine is shared (other jobs run beside it): quote ``load_before`` with the numbers.
Run: ``.venv/bin/python bench/bench_risk_step.py [--portfolios 1000 2000 3000]
[--kinds duckdb postgres] [--modes unsharded sharded] [--shard 500] [--dask-workers 1 2]
[--repeat 2] [--trace]``
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from distributed import LocalCluster  # noqa: E402
from prefect.testing.utilities import prefect_test_harness  # noqa: E402

from flows.risk_fanout import prefect_shards  # noqa: E402
from flows.risk_step import run_risk_step  # noqa: E402
from ingest.config import Settings  # noqa: E402
from ingest.warehouse import Warehouse  # noqa: E402
from ingest.warehouse.schema import ensure_schema  # noqa: E402
from python_models.conventions import FACTORS  # noqa: E402
from tests.conftest import dispose_settings, make_settings  # noqa: E402
from tests.utils.risk_world import STAGE1_DDL  # noqa: E402


def synthetic_inputs(portfolios: int, per_portfolio: int = 50, universe: int = 500,
                     seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    sessions = pd.bdate_range("2026-07-01", periods=91)
    as_of = sessions[-1]
    market = rng.normal(0.0004, 0.01, len(sessions))
    stocks = [f"S{i:04d}" for i in range(universe)]
    closes = {f: 100 * np.cumprod(1 + market * rng.uniform(0.6, 1.3)
                                  + rng.normal(0, 0.004, len(sessions))) for f in FACTORS}
    for s in stocks:
        closes[s] = rng.uniform(10, 500) * np.cumprod(
            1 + rng.uniform(0.3, 1.8) * market + rng.normal(0, 0.015, len(sessions)))
    wide = pd.DataFrame(closes, index=sessions)
    prices = wide.stack().rename("close").reset_index()
    prices.columns = ["price_date", "symbol", "close"]
    options = []
    for i, s in enumerate(stocks[:100]):
        for kind in "CP":
            options.append({"symbol": f"{s}{kind}", "underlying_symbol": s, "option_type": kind,
                            "strike": round(float(wide[s].iloc[-1]) * (0.9 + 0.002 * i), 2),
                            "expiry_date": (as_of + pd.Timedelta(days=int(rng.integers(-5, 400)))
                                            ).date()})
    options = pd.DataFrame(options)
    rows = []
    pid = 0
    for p in range(1, portfolios + 1):
        n_opt = per_portfolio // 5
        picks = rng.choice(universe, per_portfolio - n_opt, replace=False)
        for k in picks:
            pid += 1
            q = float(rng.integers(-500, 1000)) or 100.0
            rows.append({"position_id": pid, "portfolio_id": p, "symbol": stocks[k],
                         "underlying_symbol": stocks[k], "asset_type": "STOCK",
                         "position_type": "LONG" if q > 0 else "SHORT", "option_type": None,
                         "strike": np.nan, "expiry_date": None, "quantity": q, "multiplier": 1})
        for k in rng.choice(len(options), n_opt, replace=False):
            pid += 1
            o = options.iloc[k]
            q = float(rng.choice([-10, -5, 5, 10, 20]))
            rows.append({"position_id": pid, "portfolio_id": p, "symbol": o.symbol,
                         "underlying_symbol": o.underlying_symbol, "asset_type": "OPTION",
                         "position_type": ("L" if q > 0 else "S") + o.option_type,
                         "option_type": o.option_type, "strike": o.strike,
                         "expiry_date": o.expiry_date, "quantity": q, "multiplier": 100})
    positions = pd.DataFrame(rows)
    days = []
    for p in range(1, portfolios + 1):
        r = rng.normal(0.0004, 0.01, 90)
        value = 1e6 * np.cumprod(1 + r)
        days.append(pd.DataFrame({"portfolio_id": p, "snapshot_date": sessions[1:],
                                  "equity": 1e6, "portfolio_value": value, "daily_return": r}))
    securities = pd.DataFrame({"symbol": stocks + list(FACTORS),
                               "short_interest": rng.uniform(0, 0.2, universe + len(FACTORS))})
    tags = pd.DataFrame({"position_id": positions.position_id[::3].to_numpy(),
                         "tag_id": 1, "tag_name": "core"})
    return {"sessions": sessions, "prices": prices, "positions": positions,
            "securities": securities, "portfolio_days": pd.concat(days, ignore_index=True),
            "tags": tags, "as_of": as_of.date(), "options": options}


def load_stand_ins(warehouse: Warehouse, inputs: dict) -> None:
    sec = inputs["securities"].assign(asset_type="STOCK", underlying_symbol=lambda f: f.symbol)
    positions = inputs["positions"].assign(entry_price=1.0,
                                           entry_date=inputs["sessions"][0].date())
    with warehouse.connect() as conn:
        for statement in STAGE1_DDL:
            conn.execute(statement)
        conn.insert_df("staging.stg_raw__trading_days", pd.DataFrame({
            "session_date": [d.date() for d in inputs["sessions"]],
            "session_index": np.arange(len(inputs["sessions"]))[::-1]}))
        conn.insert_df("staging.stg_raw__prices_daily", inputs["prices"].assign(
            price_date=lambda f: f.price_date.dt.date, source="synthetic"))
        conn.insert_df("staging.stg_raw__securities", sec[["symbol", "asset_type",
                                                           "underlying_symbol",
                                                           "short_interest"]])
        conn.insert_df("intermediate.int_positions_enriched", positions)
        conn.insert_df("intermediate.int_portfolio_values_daily", inputs["portfolio_days"]
                       .assign(snapshot_date=lambda f: f.snapshot_date.dt.date))
        conn.execute("insert into app.tags (id, user_id, name) values (1, 1, 'core')")
        conn.insert_df("app.position_tags", inputs["tags"][["position_id", "tag_id"]])


def _maxrss_mb() -> float:
    """This process's peak RSS: ``VmHWM`` (``ru_maxrss`` keeps the forking parent's)."""
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024


def _cpu_s(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def run_case(case: dict) -> dict:
    """One risk step on the built warehouse ``case["url"]`` (in a fresh process)."""
    settings = Settings(environment="test", data_dir=Path(case["dir"]),
                        database_url=case["url"], duckdb_idle_release_seconds=0,
                        risk_shard_portfolios=case["shard"])
    warehouse = Warehouse(settings)
    result = {"rss_before_mb": round(_maxrss_mb(), 1)}
    with contextlib.ExitStack() as stack:
        runner = None
        if case["workers"]:
            stack.enter_context(prefect_test_harness(server_startup_timeout=180))
            cluster = stack.enter_context(LocalCluster(
                n_workers=case["workers"], threads_per_worker=1, processes=True,
                dashboard_address=":0"))
            settings = settings.model_copy(update={
                "dask_address": cluster.scheduler_address,
                "risk_shards_in_flight": 2 * case["workers"]})
            runner = prefect_shards(settings)
        children = _cpu_s(resource.RUSAGE_CHILDREN)
        runs = []
        for _ in range(case["repeat"]):  # the last replaces rows already there: steady state
            cpu, started = _cpu_s(resource.RUSAGE_SELF), time.perf_counter()
            report = run_risk_step(warehouse, settings, as_of=case["as_of"],
                                   shard_runner=runner)
            runs.append({"seconds": round(time.perf_counter() - started, 2),
                         "cpu_s": round(_cpu_s(resource.RUSAGE_SELF) - cpu, 2),
                         "phases": report["seconds"]})
        if case.get("trace"):  # one more run under tracemalloc: the Python-side peak
            tracemalloc.start()
            run_risk_step(warehouse, settings, as_of=case["as_of"], shard_runner=runner)
            result["python_peak_mb"] = round(tracemalloc.get_traced_memory()[1] / 2**20, 1)
            tracemalloc.stop()
    result.update(runs[-1], runs=runs, peak_rss_mb=round(_maxrss_mb(), 1),
                  shards=report["shards"], rows=sum(report["rows"].values()),
                  cpu_children_s=round(_cpu_s(resource.RUSAGE_CHILDREN) - children, 2))
    warehouse.close()
    return result


def child(case: dict) -> dict:
    """:func:`run_case` in a fresh interpreter (its own peak RSS)."""
    done = subprocess.run([sys.executable, __file__, "--case", json.dumps(case, default=str)],
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def bench_size(kind: str, portfolios: int, cases: list[dict], directory: Path) -> list[dict]:
    inputs = synthetic_inputs(portfolios)
    directory = Path(tempfile.mkdtemp(dir=directory))  # a fresh DuckDB file per size
    settings = make_settings(kind, directory)
    warehouse = Warehouse(settings)
    try:
        ensure_schema(warehouse)
        load_stand_ins(warehouse, inputs)
        warehouse.close()
        out = []
        for case in cases:
            shard = portfolios if case["mode"] == "unsharded" else case["shard"]
            measured = child({**case, "shard": shard, "url": settings.database_url,
                              "dir": str(directory), "as_of": str(inputs["as_of"])})
            out.append({"kind": kind, "portfolios": portfolios,
                        "positions": len(inputs["positions"]), **case, "shard": shard,
                        "load_before": round(os.getloadavg()[0], 2), **measured})
            print(json.dumps(out[-1]), file=sys.stderr)
        return out
    finally:
        warehouse.close()
        dispose_settings(settings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--portfolios", type=int, nargs="+", default=[1_000])
    parser.add_argument("--kinds", nargs="*", default=["duckdb"])
    parser.add_argument("--modes", nargs="*", default=["unsharded", "sharded"])
    parser.add_argument("--shard", type=int, default=Settings.model_fields[
        "risk_shard_portfolios"].default)
    parser.add_argument("--dask-workers", type=int, nargs="*", default=[])
    parser.add_argument("--repeat", type=int, default=2, help="runs per case (the last is "
                        "reported; every run but a fresh warehouse's first replaces rows)")
    parser.add_argument("--trace", action="store_true", help="one more run per case under "
                        "tracemalloc (python_peak_mb: NumPy/pandas, not DuckDB's own memory)")
    parser.add_argument("--case", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case:
        case = json.loads(args.case)
        case["as_of"] = dt.date.fromisoformat(case["as_of"])
        print(json.dumps(run_case(case)))
        return
    results = []
    with tempfile.TemporaryDirectory() as directory:
        for kind in args.kinds:
            for portfolios in args.portfolios:
                cases = [{"mode": mode, "shard": args.shard, "workers": 0,
                          "repeat": args.repeat, "trace": args.trace} for mode in args.modes]
                results += bench_size(kind, portfolios, cases, Path(directory))
            for workers in args.dask_workers:
                results += bench_size(kind, args.portfolios[0] * workers, [
                    {"mode": "dask", "shard": args.shard, "workers": workers,
                     "repeat": args.repeat, "trace": False}],
                    Path(directory))
    print(json.dumps({"benchmark": "risk_step", "cpus": os.cpu_count(),
                      "shared_machine": True, "results": results}, indent=2))


if __name__ == "__main__":
    main()
