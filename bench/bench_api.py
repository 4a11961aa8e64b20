"""API latency and throughput on loopback; prints JSON.

For each warehouse kind: build the demo warehouse (seed, upload both demo books, run
the batch), start the API with uvicorn in a separate process on 127.0.0.1, then send
GET requests from 32 concurrent connections (httpx, one asyncio loop) to

- ``/api/v1/portfolio``, ``/api/v1/positions``, ``/api/v1/risk/metrics`` (authenticated,
  real queries), and
- ``/bench/bare/<same path>``: a bare route of the same app that returns the same
  JSON bytes from memory (no auth, no database) — the framework + HTTP floor.

Reports p50 / p99 latency (ms), requests per second and the count of non-200 answers.
Every loop is bounded (``--requests`` per endpoint after ``--warmup``) and only talks
to 127.0.0.1. An endpoint that does not exist (yet) is reported with its status.
Run: ``.venv/bin/python bench/bench_api.py [--kinds duckdb postgres] [--requests 2000]``
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:  # run as a script: `python bench/bench_api.py`
    sys.path.insert(0, str(REPO_ROOT))

import datetime as dt  # noqa: E402

import httpx  # noqa: E402
import numpy as np  # noqa: E402
from fastapi import FastAPI, Response  # noqa: E402

AS_OF = dt.date(2026, 11, 20)
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
ENDPOINTS = ("/api/v1/portfolio", "/api/v1/positions", "/api/v1/risk/metrics")
CONCURRENCY = 32
PAYLOADS_ENV = "SIGMASIGHT_BENCH_PAYLOADS"


def bench_app() -> FastAPI:
    """The real app plus ``/bench/bare/...`` serving recorded payloads (uvicorn factory)."""
    from api.main import create_app

    app = create_app()
    payloads = json.loads(Path(os.environ[PAYLOADS_ENV]).read_text())
    bodies = {path: body.encode() for path, body in payloads.items()}

    @app.get("/bench/bare/{path:path}", include_in_schema=False)
    def bare(path: str) -> Response:
        return Response(bodies.get("/" + path, b"{}"), media_type="application/json")

    return app


def _settings(kind: str, directory: Path):
    from ingest.config import Settings

    if kind == "postgres":
        import psycopg

        name = f"sigmasight_bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'create database "{name}"')
        url = PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    else:
        url = f"duckdb:///{directory / 'bench_api.duckdb'}"
    return Settings(environment="test", data_dir=directory, database_url=url, as_of_date=AS_OF)


def _drop(settings) -> None:
    if settings.warehouse_kind == "postgres":
        import psycopg

        name = settings.database_url.rsplit("/", 1)[1]
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'drop database if exists "{name}" with (force)')


def build(settings, payload_file: Path) -> str:
    """Build the demo warehouse, record each endpoint's JSON; returns demo_user_1's token."""
    from fastapi.testclient import TestClient

    from api.main import create_app
    from flows.demo import load_demo_books
    from flows.pipeline import run_pipeline
    from ingest.warehouse import close_all_warehouses, get_warehouse

    warehouse = get_warehouse(settings)
    load_demo_books(warehouse, AS_OF)
    run_pipeline(settings, warehouse=warehouse)
    client = TestClient(create_app(settings))
    token = client.post("/api/v1/auth/login",
                        json={"username": "demo_user_1", "password": "demo123"}).json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    payload_file.write_text(json.dumps({path: client.get(path, headers=headers).text
                                        for path in ENDPOINTS}))
    close_all_warehouses()
    return token


def build_in_child(settings, payload_file: Path) -> str:
    """:func:`build` in a child process: its exit releases every DuckDB handle (dbt's too)."""
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) \
            as pool:
        return pool.submit(build, settings, payload_file).result()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(settings, payload_file: Path, port: int) -> subprocess.Popen:
    env = {**os.environ, "SIGMASIGHT_DATABASE_URL": settings.database_url,
           "SIGMASIGHT_DATA_DIR": str(settings.data_dir), "SIGMASIGHT_ENVIRONMENT": "test",
           "SIGMASIGHT_AS_OF_DATE": AS_OF.isoformat(), PAYLOADS_ENV: str(payload_file),
           "PYTHONPATH": str(REPO_ROOT)}
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "bench.bench_api:bench_app", "--factory",
         "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
         "--no-access-log"], cwd=REPO_ROOT, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=1).status_code == 200:
                return process
        except httpx.TransportError:
            time.sleep(0.2)
    process.terminate()
    raise RuntimeError("the API server did not start")


async def _load(base: str, path: str, headers: dict, warmup: int, requests: int) -> dict:
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits,
                                 timeout=30) as client:
        for _ in range(warmup):
            await client.get(path)
        remaining = requests

        async def worker() -> None:
            nonlocal remaining
            while remaining > 0:
                remaining -= 1
                started = time.perf_counter()
                response = await client.get(path)
                latencies.append(time.perf_counter() - started)
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
        elapsed = time.perf_counter() - started
    ms = np.array(latencies) * 1000
    return {"requests": len(latencies), "p50_ms": round(float(np.percentile(ms, 50)), 2),
            "p99_ms": round(float(np.percentile(ms, 99)), 2),
            "req_per_s": round(len(latencies) / elapsed, 1),
            "non_200": sum(n for status, n in statuses.items() if status != 200),
            "statuses": {str(k): v for k, v in sorted(statuses.items())}}


def bench_kind(kind: str, directory: Path, warmup: int, requests: int) -> dict:
    settings = _settings(kind, directory)
    payload_file = directory / f"payloads-{kind}.json"
    process = None
    try:
        token = build_in_child(settings, payload_file)
        port = _free_port()
        process = start_server(settings, payload_file, port)
        base = f"http://127.0.0.1:{port}"
        auth = {"Authorization": f"Bearer {token}"}
        results = {}
        for path in ENDPOINTS:
            results[path] = asyncio.run(_load(base, path, auth, warmup, requests))
            results[f"/bench/bare{path}"] = asyncio.run(
                _load(base, f"/bench/bare{path}", {}, warmup, requests))
        return results
    finally:
        if process is not None:
            process.terminate()
            process.wait(timeout=30)
        _drop(settings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--kinds", nargs="*", default=["duckdb", "postgres"])
    parser.add_argument("--requests", type=int, default=2000, help="per endpoint")
    parser.add_argument("--warmup", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        results = {kind: bench_kind(kind, Path(directory) / kind, args.warmup, args.requests)
                   for kind in args.kinds if (Path(directory) / kind).mkdir() is None}
    print(json.dumps({"benchmark": "api", "as_of": str(AS_OF), "concurrency": CONCURRENCY,
                      "server": "uvicorn, 1 process, loopback", "results": results}, indent=2))


if __name__ == "__main__":
    main()
