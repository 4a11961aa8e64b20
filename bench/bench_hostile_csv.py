"""Hostile positions CSVs against ``POST /portfolio/upload``: time, body size, RSS; JSON.

Each case is a file of about 5 MB (just under ``MAX_CSV_BYTES``) shaped to make the
validator work hard or answer at length:

* ``bad_rows`` — 10,000 rows (the row limit), every value wrong, each row naming 40
  formula-prefixed tags (the most a row may name): about 445,000 problems;
* ``crowded_tags`` — 10,000 rows, each naming 110 tags;
* ``wide_header`` — a 5 MB header line of column names;
* ``long_line`` — a valid header, then one 5 MB data line of short fields;
* ``long_field`` — one data row whose ticker is a quoted 5 MB field;
* ``many_fields`` — 10,000 rows of a few hundred fields each;
* ``too_many_rows`` — 500,000 short rows (the row limit refuses them).

Every case runs in a fresh child process: DuckDB warehouse in a temporary directory, one
user, the app served by uvicorn on 127.0.0.1 in a thread; after a warm-up upload the
child resets its peak RSS (``/proc/self/clear_refs``), posts the file with httpx and
reports the status, wall time, body bytes, the listed and total problem counts and the
peak RSS growth (``VmHWM`` after − ``VmRSS`` before, MB). Limits checked: 422, < 2 s,
body < 100 KB, RSS growth < 100 MB.

Run: ``.venv/bin/python bench/bench_hostile_csv.py [--cases bad_rows wide_header ...]``
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:  # run as a script
    sys.path.insert(0, str(REPO_ROOT))

HEADER = "ticker,quantity,entry_price,entry_date,tags\n"
SIZE = 4_990_000  # just under MAX_CSV_BYTES (5,000,000)
LIMITS = {"seconds": 2.0, "body_bytes": 100_000, "rss_growth_mb": 100.0}


def _fill(prefix: str, unit: str, size: int = SIZE) -> bytes:
    return (prefix + unit * ((size - len(prefix)) // len(unit))).encode()


def hostile_file(case: str) -> bytes:
    """The ~5 MB file of ``case``."""
    if case in ("bad_rows", "crowded_tags"):
        tags = (",".join(f"={i:010d}" for i in range(40)) if case == "bad_rows"
                else ",".join(f"={i:02d}" for i in range(110)))
        row = f'$$$,abc,-1,2099-13-45,"{tags}"\n'
        return (HEADER + row * min(10_000, (SIZE - len(HEADER)) // len(row))).encode()
    if case == "wide_header":
        return _fill("", "col,")[:-1] + b"\nAAPL,1,1,2024-01-02,\n"
    if case == "long_line":
        return _fill(HEADER, "x,")
    if case == "long_field":
        return _fill(HEADER + '"', "A")[:-1] + b'",1,1,2024-01-02,\n'
    if case == "many_fields":
        row = "A," * 249 + "A\n"
        return (HEADER + row * min(10_000, (SIZE - len(HEADER)) // len(row))).encode()
    if case == "too_many_rows":
        return _fill(HEADER, "ZZ,1,1,2024-01-02,\n")
    raise ValueError(case)


CASES = ("bad_rows", "crowded_tags", "wide_header", "long_line", "long_field", "many_fields",
         "too_many_rows")


def _status_kb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return float(line.split()[1])
    raise RuntimeError(field)


def _run_case(case: str, queue: multiprocessing.Queue) -> None:
    import httpx

    from api.main import create_app
    from api.seed import seed_demo_users
    from ingest.config import Settings
    from ingest.warehouse import get_warehouse
    from ingest.warehouse.schema import ensure_schema
    from tests.utils.live_server import serve

    data = hostile_file(case)
    with tempfile.TemporaryDirectory() as directory:
        settings = Settings(environment="test", data_dir=Path(directory),
                            database_url=f"duckdb:///{directory}/warehouse.duckdb",
                            duckdb_idle_release_seconds=0)
        warehouse = get_warehouse(settings)
        ensure_schema(warehouse)
        seed_demo_users(warehouse, rounds=4)
        with serve(create_app(settings)) as base, httpx.Client(base_url=base,
                                                               timeout=120) as client:
            token = client.post("/api/v1/auth/login", json={
                "username": "demo_user_1", "password": "demo123"}).json()["token"]
            headers = {"Authorization": f"Bearer {token}"}
            warm = HEADER.encode() + b"AAPL,1,abc,2024-01-02,\n"
            client.post("/api/v1/portfolio/upload", headers=headers,
                        files={"file": ("w.csv", warm, "text/csv")})
            Path("/proc/self/clear_refs").write_text("5")  # reset the peak (VmHWM)
            before = _status_kb("VmRSS")
            started = time.perf_counter()
            response = client.post("/api/v1/portfolio/upload", headers=headers,
                                   files={"file": ("h.csv", data, "text/csv")})
            seconds = time.perf_counter() - started
            growth = (_status_kb("VmHWM") - before) / 1024
    body = response.json()
    error = body.get("error") or {}
    details = error.get("details")
    queue.put({
        "case": case, "file_bytes": len(data), "status": response.status_code,
        "seconds": round(seconds, 3), "body_bytes": len(response.content),
        "problems_listed": len(details) if isinstance(details, list) else None,
        "problems_total": error.get("total"),
        "rss_growth_mb": round(growth, 1), "message": str(error.get("message"))[:160],
    })


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", nargs="+", default=list(CASES), choices=CASES)
    args = parser.parse_args()
    context = multiprocessing.get_context("spawn")
    results = []
    for case in args.cases:
        queue = context.Queue()
        child = context.Process(target=_run_case, args=(case, queue))
        child.start()
        result = queue.get(timeout=600)
        child.join()
        result["within_limits"] = (result["status"] == 422
                                   and result["seconds"] < LIMITS["seconds"]
                                   and result["body_bytes"] < LIMITS["body_bytes"]
                                   and result["rss_growth_mb"] < LIMITS["rss_growth_mb"])
        results.append(result)
    print(json.dumps({"limits": LIMITS, "results": results}, indent=2))


if __name__ == "__main__":
    main()
