"""Pro-forma risk of a what-if session through HTTP, 50- and 500-position books; prints JSON.

For each book size a session is written straight into the session tables (seeded
synthetic closes on the risk step's 91-session window for the book's underlyings and the
factor ETFs; 80 % stocks, 20 % options; tags on every third position), one trade is
added through ``POST …/trades``, then ``--requests`` times the trade is resized
(``PUT …/trades/{id}``) and ``GET …/risk`` timed, on a real uvicorn server on a free
loopback port — every timed request computes a new pro-forma book. Reported per size:
the first request after the trade (``cold``: the frozen state is read and the current
book's risk computed) and the warm ones (the frozen state remembered); ``server`` is the
app's own time per request (an ASGI timer around the app), ``server_cpu`` the CPU time
this process spent while the app handled the request (``time.process_time`` around the
app: every thread — event loop, the worker running the route, the idle client — so what
the request costs when the machine is not shared), ``client`` the round trip,
``compute_cpu`` the CPU time of the computation alone (``session_risk`` in this process,
``time.thread_time``). The load average is printed beside, since the machine's other
work inflates wall times.
Target: server p99 ≤ 20 ms for 500 positions.

Run: ``.venv/bin/python bench/bench_modeling.py [--kind duckdb|postgres] [--requests 300]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script

import httpx  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import uvicorn  # noqa: E402

from api.main import create_app  # noqa: E402
from api.queries.modeling_risk import session_risk  # noqa: E402
from api.seed import seed_demo_users  # noqa: E402
from ingest.warehouse import get_warehouse  # noqa: E402
from ingest.warehouse.schema import ensure_schema  # noqa: E402
from python_models.conventions import FACTORS  # noqa: E402
from python_models.risk_step import CLOSES_NEEDED  # noqa: E402
from tests.conftest import dispose_settings, make_settings  # noqa: E402

AS_OF = dt.date(2026, 11, 20)


def ticker(number: int) -> str:
    """A valid synthetic ticker: 'X' + three letters (XAAA, XAAB, …)."""
    letters = "".join(chr(65 + (number // 26**k) % 26) for k in (2, 1, 0))
    return f"X{letters}"


def session_tables(session_id: str, user_id: int, positions: int, seed: int = 0) -> dict:
    """Frames for every session table: a book of ``positions`` on synthetic closes."""
    rng = np.random.default_rng(seed)
    days = pd.bdate_range(end=AS_OF, periods=CLOSES_NEEDED)
    n_options = positions // 5
    stocks = [ticker(i) for i in range(positions - n_options + 1)]  # + one to trade
    market = rng.normal(0.0004, 0.01, len(days))
    closes = {f: 100 * np.cumprod(1 + market * rng.uniform(0.6, 1.3)
                                  + rng.normal(0, 0.004, len(days))) for f in FACTORS}
    for s in stocks:
        closes[s] = rng.uniform(20, 400) * np.cumprod(
            1 + rng.uniform(0.3, 1.8) * market + rng.normal(0, 0.015, len(days)))
    options = []
    for i in range(n_options):
        s = stocks[i]
        kind = "CP"[i % 2]
        strike = round(float(closes[s][-1]) * rng.uniform(0.85, 1.15))
        expiry = AS_OF + dt.timedelta(days=int(rng.integers(20, 400)))
        options.append((f"{s}{expiry:%y%m%d}{kind}{strike * 1000:08d}", s, kind, strike,
                        expiry))
    now = dt.datetime(2026, 11, 21)
    securities = pd.DataFrame(
        [(s, "ETF" if s in FACTORS else "STOCK", s, None, None, None) for s in closes]
        + [(o, "OPTION", s, k, float(strike), exp) for o, s, k, strike, exp in options],
        columns=["symbol", "asset_type", "underlying_symbol", "option_type", "strike",
                 "expiry_date"])
    securities = securities.assign(session_id=session_id, short_interest=rng.uniform(
        0, 0.2, len(securities)), origin="batch", added_at=now)
    wide = pd.DataFrame(closes, index=days)
    for o, s, kind, strike, _ in options:
        wide[o] = np.maximum(wide[s] - strike if kind == "C" else strike - wide[s], 0) + 2.0
    prices = wide.stack().rename("close").reset_index()
    prices.columns = ["price_date", "symbol", "close"]
    prices = prices.assign(session_id=session_id, price_date=prices["price_date"].dt.date)
    held = stocks[:positions - n_options] + [o[0] for o in options]
    quantity = np.where(np.arange(len(held)) < positions - n_options,
                        rng.integers(-500, 1000, len(held)), rng.choice([-10, -5, 5, 10],
                                                                        len(held)))
    quantity = np.where(quantity == 0, 100, quantity).astype(float)
    book = pd.DataFrame({"session_id": session_id, "position_id": np.arange(1, len(held) + 1),
                         "symbol": held, "quantity": quantity, "entry_price": 1.0,
                         "entry_date": days[0].date(),
                         "price": [float(wide[s].iloc[-1]) for s in held]})
    tags = book.iloc[::3][["position_id"]].assign(session_id=session_id, tag_id=1,
                                                  tag_name="core")
    row = pd.DataFrame([{
        "id": session_id, "user_id": user_id, "portfolio_id": 1, "name": "bench",
        "as_of_date": AS_OF, "sessions": json.dumps([d.date().isoformat() for d in days]),
        "equity": float(np.abs(book["quantity"] * book["price"]).sum()),
        "portfolio_value": float(np.abs(book["quantity"] * book["price"]).sum()),
        "risk_free_rate": 0.045, "inputs_version": 0, "created_at": now,
        "last_used_at": dt.datetime.now(dt.UTC).replace(tzinfo=None)}])
    return {"app.modeling_sessions": row, "app.modeling_session_positions": book,
            "app.modeling_session_position_tags": tags,
            "app.modeling_session_securities": securities,
            "app.modeling_session_closes": prices[["session_id", "symbol", "price_date",
                                                   "close"]],
            "trade_symbol": stocks[-1]}


class Timed:
    """ASGI wrapper recording the app's time per HTTP request (seconds)."""

    def __init__(self, app):
        self.app = app
        self.seconds: list[float] = []
        self.cpu_seconds: list[float] = []

    async def __call__(self, scope, receive, send):
        started, cpu = time.perf_counter(), time.process_time()
        try:
            await self.app(scope, receive, send)
        finally:
            if scope["type"] == "http":
                self.seconds.append(time.perf_counter() - started)
                self.cpu_seconds.append(time.process_time() - cpu)


def serve(app) -> tuple[uvicorn.Server, threading.Thread, int]:
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning",
                                           lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    return server, thread, server.servers[0].sockets[0].getsockname()[1]


def percentiles(values: list[float]) -> dict[str, float]:
    ms = np.asarray(values) * 1000
    return {"p50_ms": round(float(np.percentile(ms, 50)), 2),
            "p99_ms": round(float(np.percentile(ms, 99)), 2),
            "max_ms": round(float(ms.max()), 2)}


def measure(base: str, timed: Timed, token: str, warehouse, settings, user_id: int,
            size: int, requests: int) -> dict:
    session_id = f"{size:032x}"
    tables = session_tables(session_id, user_id, size)
    trade_symbol = tables.pop("trade_symbol")
    with warehouse.connect() as conn:
        for table, frame in tables.items():
            conn.insert_df(table, frame)
    headers = {"Authorization": f"Bearer {token}"}
    url = f"{base}/api/v1/modeling/sessions/{session_id}"
    with httpx.Client(headers=headers, timeout=60) as client:
        response = client.post(f"{url}/trades",
                               json={"trades": [{"symbol": trade_symbol, "quantity": 100}]})
        assert response.status_code == 201, response.text
        trade_url = f"{url}/trades/{response.json()['data'][0]['id']}"
        timed.seconds.clear()
        started = time.perf_counter()
        cold = client.get(f"{url}/risk")
        cold_client = time.perf_counter() - started
        assert cold.status_code == 200, cold.text
        cold_server = timed.seconds[-1]
        report = cold.json()["data"]
        client_seconds, server_seconds, server_cpu = [], [], []
        for number in range(requests):
            # a new pro-forma book every time: the trade's size changes before each read
            changed = client.put(trade_url, json={"quantity": 100 + number})
            assert changed.status_code == 200, changed.text
            timed.seconds.clear()
            timed.cpu_seconds.clear()
            started = time.perf_counter()
            response = client.get(f"{url}/risk")
            client_seconds.append(time.perf_counter() - started)
            server_seconds.append(timed.seconds[-1])
            server_cpu.append(timed.cpu_seconds[-1])
            assert response.status_code == 200
    cpu = []
    for number in range(min(requests, 100)):  # CPU time of the computation, in this thread
        with httpx.Client(headers=headers, timeout=60) as client:
            client.put(trade_url, json={"quantity": 1000 + number})
        started = time.thread_time()
        session_risk(warehouse, settings, user_id, session_id)
        cpu.append(time.thread_time() - started)
    return {"positions": size, "trade": trade_symbol,
            "compute_cpu": percentiles(cpu),
            "var_change": report["var"]["parametric_var_95"]["change"],
            "cold_ms": {"server": round(cold_server * 1000, 2),
                        "client": round(cold_client * 1000, 2)},
            "warm": {"requests": requests, "server": percentiles(server_seconds),
                     "server_cpu": percentiles(server_cpu),
                     "client": percentiles(client_seconds)}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--kind", default="duckdb", choices=["duckdb", "postgres"])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--sizes", type=int, nargs="*", default=[50, 500])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        settings = make_settings(args.kind, Path(directory))
        warehouse = get_warehouse(settings)
        ensure_schema(warehouse)
        users = seed_demo_users(warehouse, rounds=4)
        timed = Timed(create_app(settings))
        server, thread, port = serve(timed)
        base = f"http://127.0.0.1:{port}"
        try:
            token = httpx.post(f"{base}/api/v1/auth/login", json={
                "username": "demo_user_1", "password": "demo123"}).json()["token"]
            results = [measure(base, timed, token, warehouse, settings, users["demo_user_1"],
                               size, args.requests) for size in args.sizes]
        finally:
            server.should_exit = True
            thread.join(timeout=10)
            warehouse.close()
            dispose_settings(settings)
    print(json.dumps({"benchmark": "modeling_session_risk", "warehouse": args.kind,
                      "load_average_1m": round(os.getloadavg()[0], 2),
                      "cpus": os.cpu_count(),
                      "target": "server p99 <= 20 ms at 500 positions", "results": results},
                     indent=2))


if __name__ == "__main__":
    main()
