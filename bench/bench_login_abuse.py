"""``GET /positions`` latency while the login endpoint is abused; prints JSON.

The demo warehouse is built in a temporary directory (:func:`api.demo.build_demo`, the
demo users' passwords hashed at the production bcrypt cost) and served by uvicorn in its
own process on a free loopback port with the project's options
(:func:`api.server.uvicorn_options`: no proxy trusted). ``/positions`` (demo_user_1,
response cache warm) is timed ``--requests`` times idle, then continuously while
``--clients`` attacker processes send ``--attempts`` logins each kind in all: half send
wrong passwords for demo_user_1 with a new ``X-Forwarded-For`` each time, half ever-new
unknown usernames; as a control, the same processes first send as many ``GET /health``
(request load alone, no login). Reported: p50/p99 of both phases, their ratio (target <= 2), the
attackers' status counts and the sequence of their statuses (429 after the limit), and
the load average (the machine is shared).

Run: ``.venv/bin/python bench/bench_login_abuse.py [--kind duckdb|postgres]
[--requests 200] [--clients 8] [--attempts 100]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script

import httpx  # noqa: E402
import numpy as np  # noqa: E402

from api.demo import build_demo  # noqa: E402
from api.main import create_app  # noqa: E402
from api.server import uvicorn_options  # noqa: E402
from ingest.config import REPO_ROOT, get_settings  # noqa: E402
from ingest.warehouse import close_all_warehouses  # noqa: E402
from tests.conftest import dispose_settings, make_settings  # noqa: E402
from tests.utils.live_server import free_port, wait_until_healthy  # noqa: E402

AS_OF = dt.date(2026, 11, 20)


def timed_reads(base: str, token: str, requests: int,
                until: Callable[[], bool] | None = None) -> list[float]:
    """Time ``requests`` reads of /positions, or as many as happen until ``until()``."""
    seconds = []
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"},
                      timeout=60) as client:
        while (len(seconds) < requests) if until is None else not until():
            started = time.perf_counter()
            response = client.get("/api/v1/positions")
            seconds.append(time.perf_counter() - started)
            assert response.status_code == 200, response.text
    return seconds


def attacker(base: str, kind: str, number: int, attempts: int, results) -> None:
    """Send ``attempts`` failing logins of ``kind`` (a process of its own)."""
    statuses = []
    with httpx.Client(base_url=base, timeout=60) as client:
        for i in range(attempts):
            if kind == "control":  # the same request load on a trivial endpoint
                statuses.append(client.get("/api/v1/health").status_code)
                continue
            if kind == "rotating_xff":
                body = {"username": "demo_user_1", "password": f"guess{i}"}
                headers = {"X-Forwarded-For": f"198.51.{number}.{i % 250}"}
            else:
                body = {"username": f"nobody-{number}-{i}", "password": "x"}
                headers = {}
            statuses.append(client.post("/api/v1/auth/login", json=body,
                                        headers=headers).status_code)
    results.put((kind, statuses))


def percentiles(seconds: list[float]) -> dict[str, float]:
    ms = np.asarray(seconds) * 1000
    return {"p50_ms": round(float(np.percentile(ms, 50)), 2),
            "p99_ms": round(float(np.percentile(ms, 99)), 2), "n": len(seconds)}


def start_server(port: int) -> subprocess.Popen:
    process = subprocess.Popen([sys.executable, __file__, "--serve", str(port)],
                               env={**os.environ, "PYTHONPATH": str(REPO_ROOT)})
    return wait_until_healthy(process, port, timeout=120)


def serve_forever(port: int) -> None:
    """The server process: the app of the environment's settings, the project's options."""
    import uvicorn

    settings = get_settings()
    uvicorn.run(create_app(settings), host="127.0.0.1", port=port, log_level="error",
                access_log=False, **uvicorn_options(settings))


def attack(base: str, clients: int, attempts: int, token: str,
           kinds: tuple[str, ...] = ("rotating_xff", "unknown_usernames"),
           ) -> tuple[list[float], dict]:
    """Run the attackers; time /positions until they are all done."""
    results: multiprocessing.Queue = multiprocessing.Queue()
    share = max(attempts // (clients // 2 or 1), 1)  # `attempts` of each kind in all
    processes = [multiprocessing.Process(target=attacker, args=(
        base, kinds[n % 2], n, share, results)) for n in range(clients)]
    for process in processes:
        process.start()
    reads = timed_reads(base, token, 0, until=lambda: not any(p.is_alive() for p in processes))
    statuses: dict[str, list[int]] = {k: [] for k in kinds}
    for _ in processes:
        kind, values = results.get(timeout=60)
        statuses[kind] += values
    for process in processes:
        process.join()
    return reads, statuses


def run(kind: str, requests: int, clients: int, attempts: int) -> dict:
    with tempfile.TemporaryDirectory() as directory:
        settings = make_settings(kind, Path(directory), as_of_date=AS_OF)
        os.environ.update({"SIGMASIGHT_ENVIRONMENT": "test", "SIGMASIGHT_DATA_DIR": directory,
                           "SIGMASIGHT_DATABASE_URL": settings.database_url,
                           "SIGMASIGHT_AS_OF_DATE": AS_OF.isoformat(),
                           # the reads run as fast as they can while the attack lasts: the
                           # per-user request limit (api/rate_limit.py) is not what is measured
                           "SIGMASIGHT_RATE_LIMIT": settings.rate_limit})
        server = None
        try:
            started = time.perf_counter()
            build_demo(settings)
            close_all_warehouses()  # the server process opens the DuckDB file
            build_seconds = round(time.perf_counter() - started, 1)
            port = free_port()
            server = start_server(port)
            base = f"http://127.0.0.1:{port}"
            token = httpx.post(f"{base}/api/v1/auth/login", timeout=60, json={
                "username": "demo_user_1", "password": "demo123"}).json()["token"]
            timed_reads(base, token, 20)  # warm the cache and the connection
            idle = timed_reads(base, token, requests)
            control, _ = attack(base, clients, attempts, token, kinds=("control", "control"))
            abused, statuses = attack(base, clients, attempts, token)
        finally:
            if server is not None:
                server.terminate()
                server.wait(timeout=30)
            dispose_settings(settings)
    idle_p, abused_p, control_p = percentiles(idle), percentiles(abused), percentiles(control)
    return {
        "kind": kind, "clients": clients, "build_seconds": build_seconds,
        "positions_idle": idle_p, "positions_during_abuse": abused_p,
        "positions_during_control_load": control_p,
        "control": "the same client processes sending as many GET /health: the cost of "
                   "the request load alone on this machine",
        "p50_ratio": round(abused_p["p50_ms"] / idle_p["p50_ms"], 2),
        "target_p50_ratio": 2.0,
        "login_statuses": {k: dict(Counter(v)) for k, v in statuses.items()},
        "status_sequence": {k: "".join("." if s == 401 else "x" if s == 429 else "?"
                                       for s in v) for k, v in statuses.items()},
        "legend": ". = 401 (admitted, wrong), x = 429 (refused before any bcrypt); "
                  "attackers interleave, so the sequence is per kind in arrival order "
                  "by process",
        "loadavg": [round(v, 2) for v in os.getloadavg()],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--kind", choices=["duckdb", "postgres"], default="duckdb")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--attempts", type=int, default=100, help="of each kind, in all")
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)  # the server process
    args = parser.parse_args()
    if args.serve:
        serve_forever(args.serve)
        return
    print(json.dumps(run(args.kind, args.requests, args.clients, args.attempts), indent=2))


if __name__ == "__main__":
    main()
