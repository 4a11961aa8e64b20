"""API latency and throughput on loopback at 32 concurrent connections; prints JSON.

For each warehouse kind (DuckDB, PostgreSQL):

1. build the demo warehouse once with :func:`api.demo.build_demo` (seed users, upload
   both demo books, run the whole batch) with ``SIGMASIGHT_AS_OF_DATE=2026-11-20`` and a
   temporary ``SIGMASIGHT_DATA_DIR``, in a child process (its exit releases every DuckDB
   handle, dbt's included), recording the JSON body of each measured endpoint;
2. start the API with uvicorn in a separate process (``--workers N``, ``--no-access-log``,
   uvloop/httptools when installed, which ``--loop auto --http auto`` picks) on
   127.0.0.1;
3. load ``/api/v1/portfolio``, ``/api/v1/positions`` and ``/api/v1/risk/metrics``
   (authenticated: the bearer token is set by a generated Lua script) and, for each,
   ``/bench/bare/<same path>`` — an ``async`` route of the same app returning the same
   JSON bytes from memory (no auth, no database, no thread-pool hop): the framework +
   HTTP floor.

The load generator is ``wrk`` (C; ``apt-get install -y wrk``) with ``-t2 -c32``, a
warm-up run, then a timed run per endpoint; its Lua ``done()`` hook prints p50/p99 and
counts. Without ``wrk`` on the PATH the bounded Python client (httpx, one asyncio loop)
is used instead and the output says so (it costs far more CPU per request than wrk,
on the same cores as the server).

Reports p50 / p99 latency (ms), requests per second, non-2xx answers, and per endpoint
the throughput ratio to its bare twin. Only 127.0.0.1 is contacted.
Each endpoint is measured **cached** (the response cache answers) and **uncached** (a new
ignored query parameter per request misses the cache: auth, query, rendering), with the
server's ``--workers`` from ``--workers`` (e.g. ``1 4``); the rate limit is lifted.
Run: ``.venv/bin/python bench/bench_api.py [--kinds duckdb postgres] [--duration 10]
[--workers 1 4] [--endpoints /api/v1/portfolio] [--no-bare]``
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ProcessPoolExecutor
from importlib.util import find_spec
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:  # run as a script: `python bench/bench_api.py`
    sys.path.insert(0, str(REPO_ROOT))

import datetime as dt  # noqa: E402

import httpx  # noqa: E402
import numpy as np  # noqa: E402
from fastapi import FastAPI, Response  # noqa: E402

from tests.utils.live_server import free_port, wait_until_healthy  # noqa: E402

AS_OF = dt.date(2026, 11, 20)
PG_ADMIN = os.environ.get("SIGMASIGHT_TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")
ENDPOINTS = ("/api/v1/portfolio", "/api/v1/positions", "/api/v1/risk/metrics")
CONCURRENCY = 32
WRK_THREADS = 2
PAYLOADS_ENV = "SIGMASIGHT_BENCH_PAYLOADS"
# uncached runs: a new (ignored) query parameter per request misses the response cache
WRK_BUST = """
local counter = 0
request = function()
  counter = counter + 1
  return wrk.format(nil, wrk.path .. "?nocache=" .. counter)
end
"""
TARGETS = {"p99_ms": 25.0, "throughput_ratio": 0.60}

WRK_SCRIPT = """
wrk.method = "GET"
{headers}
{bust}
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '\\n{{"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, '
    .. '"non_2xx": %d, "socket_errors": %d}}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.status, e.connect + e.read + e.write + e.timeout))
end
"""


def bench_app() -> FastAPI:
    """The real app plus ``/bench/bare/...`` serving recorded payloads (uvicorn factory)."""
    from api.main import create_app

    app = create_app()
    payloads = json.loads(Path(os.environ[PAYLOADS_ENV]).read_text())
    bodies = {path: body.encode() for path, body in payloads.items()}

    @app.get("/bench/bare/{path:path}", include_in_schema=False)
    async def bare(path: str) -> Response:  # async: no thread-pool hop, the true floor
        return Response(bodies.get("/" + path, b"{}"), media_type="application/json")

    return app


def _environment(kind: str, directory: Path) -> dict[str, str]:
    """The SIGMASIGHT_* variables of a throw-away warehouse of ``kind``."""
    if kind == "postgres":
        import psycopg

        name = f"sigmasight_bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'create database "{name}"')
        url = PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    else:
        url = f"duckdb:///{directory / 'warehouse.duckdb'}"
    return {"SIGMASIGHT_DATABASE_URL": url, "SIGMASIGHT_DATA_DIR": str(directory),
            "SIGMASIGHT_ENVIRONMENT": "test", "SIGMASIGHT_AS_OF_DATE": AS_OF.isoformat(),
            # one user sends thousands of requests a second here: the per-user request
            # limit (api/rate_limit.py) would answer 429, which is not what is measured
            "SIGMASIGHT_RATE_LIMIT": "10000000/minute"}


def _drop(env: dict[str, str]) -> None:
    url = env["SIGMASIGHT_DATABASE_URL"]
    if url.startswith("postgresql"):
        import psycopg

        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'drop database if exists "{url.rsplit("/", 1)[1]}" with (force)')


def build(env: dict[str, str], payload_file: Path) -> dict:
    """Build the demo warehouse (in this child process) and record each endpoint's JSON."""
    os.environ.update(env)
    from fastapi.testclient import TestClient

    from api.demo import build_demo
    from api.main import create_app
    from ingest.config import get_settings
    from ingest.warehouse import close_all_warehouses

    get_settings.cache_clear()
    summary = build_demo(get_settings())
    client = TestClient(create_app())
    token = client.post("/api/v1/auth/login",
                        json={"username": "demo_user_1", "password": "demo123"}).json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    payloads = {}
    for path in ENDPOINTS:
        response = client.get(path, headers=headers)
        assert response.status_code == 200, response.text
        payloads[path] = response.text
    payload_file.write_text(json.dumps(payloads))
    close_all_warehouses()
    return {"build_seconds": summary["seconds"],
            "payload_bytes": {path: len(body.encode()) for path, body in payloads.items()}}


def build_in_child(env: dict[str, str], payload_file: Path) -> dict:
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) \
            as pool:
        return pool.submit(build, env, payload_file).result()


def server_stack() -> dict[str, str]:
    """What ``--loop auto --http auto`` picks: uvloop / httptools when installed."""
    return {"loop": "uvloop" if find_spec("uvloop") else "asyncio",
            "http": "httptools" if find_spec("httptools") else "h11"}


def start_server(env: dict[str, str], payload_file: Path, port: int,
                 workers: int = 1) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "bench.bench_api:bench_app", "--factory",
         "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
         "--timeout-worker-healthcheck", "60", "--loop", "auto",
         "--http", "auto", "--log-level", "warning", "--no-access-log"],
        cwd=REPO_ROOT, env={**os.environ, **env, PAYLOADS_ENV: str(payload_file),
                            "PYTHONPATH": str(REPO_ROOT)})
    return wait_until_healthy(process, port, timeout=180)


def _login(base: str) -> str:
    response = httpx.post(f"{base}/api/v1/auth/login", timeout=30,
                          json={"username": "demo_user_1", "password": "demo123"})
    response.raise_for_status()
    return response.json()["token"]


# --- load generators ---------------------------------------------------------------------

def _wrk(url: str, headers: dict[str, str], seconds: float, script_dir: Path,
         bust: bool = False) -> dict:
    lines = "\n".join(f'wrk.headers["{k}"] = "{v}"' for k, v in headers.items())
    script = script_dir / f"wrk-{uuid.uuid4().hex[:8]}.lua"
    script.write_text(WRK_SCRIPT.format(headers=lines, bust=WRK_BUST if bust else ""))
    result = subprocess.run(
        ["wrk", f"-t{WRK_THREADS}", f"-c{CONCURRENCY}", f"-d{max(1, round(seconds))}s",
         "--timeout", "10s", "-s", str(script), url],
        capture_output=True, text=True, timeout=seconds + 60)
    script.unlink()
    if result.returncode != 0:
        raise RuntimeError(f"wrk failed: {result.stderr or result.stdout}")
    data = json.loads([line for line in result.stdout.splitlines() if line.startswith("{")][-1])
    return {"requests": data["requests"], "p50_ms": round(data["p50_us"] / 1000, 2),
            "p99_ms": round(data["p99_us"] / 1000, 2),
            "req_per_s": round(data["requests"] / (data["duration_us"] / 1e6), 1),
            "non_2xx": data["non_2xx"], "socket_errors": data["socket_errors"]}


async def _python_load(url: str, headers: dict, seconds: float, bust: bool = False) -> dict:
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
    async with httpx.AsyncClient(headers=headers, limits=limits, timeout=30) as client:
        deadline = time.perf_counter() + seconds

        async def worker() -> None:
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                response = await client.get(
                    url, params={"nocache": uuid.uuid4().hex} if bust else None)
                latencies.append(time.perf_counter() - started)
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
        elapsed = time.perf_counter() - started
    ms = np.array(latencies) * 1000
    return {"requests": len(latencies), "p50_ms": round(float(np.percentile(ms, 50)), 2),
            "p99_ms": round(float(np.percentile(ms, 99)), 2),
            "req_per_s": round(len(latencies) / elapsed, 1),
            "non_2xx": sum(n for status, n in statuses.items() if not 200 <= status < 300),
            "socket_errors": 0}


def load(url: str, headers: dict[str, str], seconds: float, warmup: float,
         script_dir: Path, bust: bool = False) -> dict:
    """Warm up, then measure; ``bust``: every request misses the response cache."""
    if shutil.which("wrk"):
        _wrk(url, headers, warmup, script_dir, bust)
        return _wrk(url, headers, seconds, script_dir, bust)
    asyncio.run(_python_load(url, headers, warmup, bust))
    return asyncio.run(_python_load(url, headers, seconds, bust))


# --- driver ------------------------------------------------------------------------------

def measure(base: str, auth: dict[str, str], seconds: float, warmup: float,
            directory: Path, endpoints: tuple[str, ...], bare: bool) -> dict:
    """Per endpoint: cached (the response cache answers), uncached (every request misses
    it: the query, the rendering), and, with ``bare``, the framework floor."""
    results: dict[str, dict] = {}
    for path in endpoints:
        cached = load(base + path, auth, seconds, warmup, directory)
        uncached = load(base + path, auth, seconds, warmup, directory, bust=True)
        entry: dict = {"cached": cached, "uncached": uncached}
        if bare:
            floor = load(f"{base}/bench/bare{path}", {}, seconds, warmup, directory)
            ratio = cached["req_per_s"] / floor["req_per_s"] if floor["req_per_s"] else None
            entry.update({
                "bare": floor, "throughput_ratio": None if ratio is None else round(ratio, 3),
                "meets_targets": bool(ratio is not None and cached["non_2xx"] == 0
                                      and cached["p99_ms"] <= TARGETS["p99_ms"]
                                      and ratio >= TARGETS["throughput_ratio"])})
        results[path] = entry
    return results


def bench_kind(kind: str, directory: Path, seconds: float, warmup: float,
               workers: list[int], endpoints: tuple[str, ...], bare: bool) -> dict:
    env = {**_environment(kind, directory), "SIGMASIGHT_RATE_LIMIT": "100000000/minute"}
    payload_file = directory / "payloads.json"
    try:
        built = build_in_child(env, payload_file)
        results: dict[str, dict] = {}
        for count in workers:
            port = free_port()
            process = start_server(env, payload_file, port, count)
            try:
                base = f"http://127.0.0.1:{port}"
                auth = {"Authorization": f"Bearer {_login(base)}"}
                results[f"workers_{count}"] = measure(base, auth, seconds, warmup, directory,
                                                      endpoints, bare)
            finally:
                process.terminate()
                process.wait(timeout=30)
        return {"build": built, **results}
    finally:
        _drop(env)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--kinds", nargs="*", default=["duckdb", "postgres"])
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per endpoint")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds before each run")
    parser.add_argument("--workers", nargs="*", type=int, default=[1],
                        help="uvicorn worker counts to measure (e.g. 1 4)")
    parser.add_argument("--endpoints", nargs="*", default=list(ENDPOINTS))
    parser.add_argument("--no-bare", action="store_true", help="skip the framework floor")
    args = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory() as directory:
        for kind in args.kinds:
            (Path(directory) / kind).mkdir()
            results[kind] = bench_kind(kind, Path(directory) / kind, args.duration,
                                       args.warmup, args.workers, tuple(args.endpoints),
                                       not args.no_bare)
    print(json.dumps({
        "benchmark": "api", "as_of": str(AS_OF), "concurrency": CONCURRENCY,
        "load_generator": (f"wrk -t{WRK_THREADS} -c{CONCURRENCY}" if shutil.which("wrk")
                           else "python httpx (wrk not found)"),
        "server": {"uvicorn": f"workers {args.workers}, --no-access-log, loopback",
                   **server_stack()},
        "cpus": os.cpu_count(), "targets": TARGETS, "results": results}, indent=2))


if __name__ == "__main__":
    main()
