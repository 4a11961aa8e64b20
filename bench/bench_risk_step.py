"""The whole risk step for 1,000 portfolios; prints JSON.

Synthetic, seeded inputs in the shape the risk step reads (91 sessions, a universe of
stocks + the 7 factor ETFs, options on some of them, 50 positions per portfolio,
90 daily returns per portfolio, a few tags). Two measurements:

- ``compute``: :func:`python_models.risk_step.compute_risk` (betas, Greeks, exposures,
  metrics, VaR and components for every portfolio at once), no I/O;
- ``warehouse`` (``--kinds``): :func:`run_risk_step` end to end on a fresh DuckDB file
  / PostgreSQL database whose stage-1 relations are stand-in tables holding the same
  inputs (read, compute, replace the analytics rows in one transaction).

Run: ``.venv/bin/python bench/bench_risk_step.py [--portfolios 1000] [--kinds duckdb postgres]``
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from flows.risk_step import run_risk_step  # noqa: E402
from ingest.warehouse import Warehouse  # noqa: E402
from ingest.warehouse.schema import ensure_schema  # noqa: E402
from python_models.conventions import FACTORS  # noqa: E402
from python_models.risk_step import RiskInputs, compute_risk  # noqa: E402
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


def risk_inputs(inputs: dict) -> RiskInputs:
    """The inputs as the risk step's reader returns them."""
    return RiskInputs(**{name: inputs[name] for name in (
        "sessions", "prices", "positions", "securities", "portfolio_days", "tags")})


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--portfolios", type=int, default=1_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--kinds", nargs="*", default=["duckdb"],
                        help="warehouses for the end-to-end run (duckdb, postgres)")
    args = parser.parse_args()
    inputs = synthetic_inputs(args.portfolios)
    timings = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        outputs = compute_risk(risk_inputs(inputs), inputs["as_of"], 0.045)
        timings.append(time.perf_counter() - started)
    result = {
        "portfolios": args.portfolios,
        "positions": len(inputs["positions"]),
        "securities": int(inputs["positions"].underlying_symbol.nunique()),
        "compute_seconds_median": round(float(np.median(timings)), 3),
        "rows": {name: len(frame) for name, frame in outputs.items()},
        "warehouse": {},
    }
    for kind in args.kinds:
        with tempfile.TemporaryDirectory() as directory:
            settings = make_settings(kind, Path(directory))
            warehouse = Warehouse(settings)
            try:
                ensure_schema(warehouse)
                load_stand_ins(warehouse, inputs)
                started = time.perf_counter()
                report = run_risk_step(warehouse, settings, as_of=inputs["as_of"])
                result["warehouse"][kind] = {
                    "run_risk_step_seconds": round(time.perf_counter() - started, 3),
                    "phases": report["seconds"]}
            finally:
                warehouse.close()
                dispose_settings(settings)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
