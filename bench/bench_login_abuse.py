"""``GET /positions`` latency while the login endpoint is abused; prints JSON.

The demo warehouse is built in a temporary directory (:func:`api.demo.build_demo`, the
demo users' passwords hashed at the production bcrypt cost) and served by uvicorn on a
free loopback port with the project's options (:func:`api.server.uvicorn_options`: no
proxy trusted). ``/positions`` (demo_user_1, the response cache warm) is timed
``--requests`` times idle, then again while ``--clients`` threads attack the login:
half send wrong passwords for demo_user_1 with a new ``X-Forwarded-For`` each time, half
send ever-new unknown usernames. Each attacker sends ``--attempts`` logins, then keeps
going until the timed reads are done. Reported: p50/p99 of both phases, their ratio
(target ≤ 2), the attackers' status counts and the status sequence of their first
attempts (429 after the limit), and the load average (the machine is shared).

Run: ``.venv/bin/python bench/bench_login_abuse.py [--kind duckdb|postgres]
[--requests 200] [--clients 8] [--attempts 100]``
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
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script

import httpx  # noqa: E402
import numpy as np  # noqa: E402

from api.demo import build_demo  # noqa: E402
from api.main import create_app  # noqa: E402
from api.server import uvicorn_options  # noqa: E402
from tests.conftest import dispose_settings, make_settings  # noqa: E402
from tests.utils.live_server import serve  # noqa: E402

AS_OF = dt.date(2026, 11, 20)


def timed_reads(base: str, token: str, requests: int) -> list[float]:
    seconds = []
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"},
                      timeout=60) as client:
        for _ in range(requests):
            started = time.perf_counter()
            response = client.get("/api/v1/positions")
            seconds.append(time.perf_counter() - started)
            assert response.status_code == 200, response.text
    return seconds


def attacker(base: str, kind: str, number: int, attempts: int, stop: threading.Event,
             statuses: list[int]) -> None:
    """Log in with wrong credentials until ``attempts`` are sent and ``stop`` is set."""
    with httpx.Client(base_url=base, timeout=60) as client:
        i = 0
        while i < attempts or not stop.is_set():
            if kind == "rotating_xff":
                body = {"username": "demo_user_1", "password": f"guess{i}"}
                headers = {"X-Forwarded-For": f"198.51.{number}.{i % 250}"}
            else:
                body = {"username": f"nobody-{number}-{i}", "password": "x"}
                headers = {}
            statuses.append(client.post("/api/v1/auth/login", json=body,
                                        headers=headers).status_code)
            i += 1


def percentiles(seconds: list[float]) -> dict[str, float]:
    ms = np.asarray(seconds) * 1000
    return {"p50_ms": round(float(np.percentile(ms, 50)), 2),
            "p99_ms": round(float(np.percentile(ms, 99)), 2)}


def run(kind: str, requests: int, clients: int, attempts: int) -> dict:
    with tempfile.TemporaryDirectory() as directory:
        settings = make_settings(kind, Path(directory), as_of_date=AS_OF)
        try:
            started = time.perf_counter()
            build_demo(settings)
            build_seconds = round(time.perf_counter() - started, 1)
            with serve(create_app(settings), **uvicorn_options(settings)) as base:
                token = httpx.post(f"{base}/api/v1/auth/login", json={
                    "username": "demo_user_1", "password": "demo123"}).json()["token"]
                timed_reads(base, token, 20)  # warm the cache and the connection
                idle = timed_reads(base, token, requests)
                stop = threading.Event()
                kinds = ["rotating_xff", "unknown_usernames"]
                statuses: dict[str, list[int]] = {k: [] for k in kinds}
                threads = [threading.Thread(target=attacker, daemon=True, args=(
                    base, kinds[n % 2], n, attempts, stop, statuses[kinds[n % 2]]))
                    for n in range(clients)]
                for thread in threads:
                    thread.start()
                time.sleep(0.5)  # the attack is under way before the timed reads
                abused = timed_reads(base, token, requests)
                stop.set()
                for thread in threads:
                    thread.join(timeout=120)
        finally:
            dispose_settings(settings)
    idle_p, abused_p = percentiles(idle), percentiles(abused)
    return {
        "kind": kind, "requests": requests, "clients": clients, "build_seconds": build_seconds,
        "positions_idle": idle_p, "positions_during_abuse": abused_p,
        "p50_ratio": round(abused_p["p50_ms"] / idle_p["p50_ms"], 2),
        "target_p50_ratio": 2.0,
        "login_statuses": {k: dict(Counter(v)) for k, v in statuses.items()},
        "first_attempts": {k: "".join("." if s == 401 else "x" if s == 429 else "?"
                                      for s in v[:60]) for k, v in statuses.items()},
        "legend": ". = 401 (admitted, wrong), x = 429 (refused before any bcrypt)",
        "loadavg": [round(v, 2) for v in os.getloadavg()],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--kind", choices=["duckdb", "postgres"], default="duckdb")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--attempts", type=int, default=100)
    args = parser.parse_args()
    print(json.dumps(run(args.kind, args.requests, args.clients, args.attempts), indent=2))


if __name__ == "__main__":
    main()
