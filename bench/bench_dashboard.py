"""Dashboard first paint and bytes shipped, in headless Chromium; prints JSON.

1. Build the demo warehouse (DuckDB, ``SIGMASIGHT_AS_OF_DATE=2026-11-20``) in a temporary
   directory with :func:`api.demo.build_demo` and serve the real app with uvicorn on
   127.0.0.1 (a thread of this process).
2. Log in once over HTTP; then, ``--runs`` times, open a **new browser context** (empty
   cache, the session put in sessionStorage before the page's scripts run, as after a
   login) on ``/`` and read the browser's performance timeline:
   - ``overview_painted_ms``: the ``sigmasight:overview-painted`` mark, set two animation
     frames after the overview's figures were written (i.e. after they were painted) —
     the first meaningful paint of the overview, from navigation start;
   - ``first_contentful_paint_ms``: Chromium's ``first-contentful-paint`` entry;
   - ``all_panels_ms``: when every panel (7 charts, 6 tables) has loaded.
3. Bytes shipped: every JS and CSS response the page loaded, raw and gzip-compressed
   (level 6, what a reverse proxy would send).

Targets: overview painted ≤ 1000 ms (median), JS+CSS ≤ 500 KB gzipped. The machine's
1-minute load average is printed too: the browser, the server and the benchmark share its
cores, so other work running at the same time inflates every timing.
Run: ``.venv/bin/python bench/bench_dashboard.py [--runs 5]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:  # run as a script: `python bench/bench_dashboard.py`
    sys.path.insert(0, str(REPO_ROOT))

import httpx  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

from api.demo import build_demo  # noqa: E402
from api.main import create_app  # noqa: E402
from ingest.config import Settings  # noqa: E402
from tests.utils.dashboard import launch  # noqa: E402
from tests.utils.live_server import serve  # noqa: E402

AS_OF = dt.date(2026, 11, 20)
TARGETS = {"overview_painted_ms": 1000.0, "js_css_gzip_bytes": 500 * 1024}
MARK = "sigmasight:overview-painted"
SESSION_SCRIPT = """sessionStorage.setItem("sigmasight.session", JSON.stringify(%s));"""


def measure(browser, base_url: str, session: dict) -> tuple[dict, dict[str, bytes]]:
    """One cold load of the dashboard: timings (ms) and the JS/CSS bodies by path."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.add_init_script(SESSION_SCRIPT % json.dumps(session))
    page = context.new_page()
    responses = []
    page.on("response", lambda r: r.request.resource_type in {"script", "stylesheet"}
            and responses.append(r))
    page.goto(f"{base_url}/")
    page.wait_for_function("(m) => performance.getEntriesByName(m).length > 0", arg=MARK,
                           timeout=30_000)
    page.wait_for_function("() => document.body.dataset.refreshes === '1'", timeout=60_000)
    timings = page.evaluate("""(m) => ({
        overview_painted_ms: performance.getEntriesByName(m)[0].startTime,
        first_contentful_paint_ms: (performance.getEntriesByName('first-contentful-paint')[0]
                                    || {}).startTime ?? null,
        all_panels_ms: performance.now(),
    })""", MARK)
    bodies = {urlsplit(r.url).path: r.body() for r in responses}
    context.close()
    return timings, bodies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        settings = Settings(environment="test", data_dir=Path(directory), as_of_date=AS_OF,
                            database_url=f"duckdb:///{Path(directory) / 'warehouse.duckdb'}")
        build_demo(settings)
        with serve(create_app(settings)) as base_url, sync_playwright() as playwright:
            answer = httpx.post(f"{base_url}/api/v1/auth/login",
                                json={"username": "demo_user_1", "password": "demo123"}).json()
            session = {"token": answer["token"], "username": "demo_user_1",
                       "portfolioId": answer["portfolio_id"],
                       "expiresAt": 4102444800000}  # 2100-01-01, ms
            browser = launch(playwright)
            measure(browser, base_url, session)  # warm the server's caches and the OS's
            runs = []
            for _ in range(args.runs):
                timings, bodies = measure(browser, base_url, session)
                runs.append(timings)
            browser.close()
    files = {path: {"raw": len(body), "gzip": len(gzip.compress(body, compresslevel=6))}
             for path, body in sorted(bodies.items())}
    gzip_total = sum(f["gzip"] for f in files.values())
    medians = {key: round(statistics.median(r[key] for r in runs), 1) for key in runs[0]}
    best = {key: round(min(r[key] for r in runs), 1) for key in runs[0]}
    result = {
        "benchmark": "dashboard", "warehouse": "duckdb", "runs": args.runs,
        "median_ms": medians, "min_ms": best,
        "load_average_1min": round(os.getloadavg()[0], 2),  # other work on the machine
        "runs_ms": [{k: round(v, 1) for k, v in r.items()} for r in runs],
        "js_css_raw_bytes": sum(f["raw"] for f in files.values()),
        "js_css_gzip_bytes": gzip_total, "files": files, "targets": TARGETS,
        "ok": medians["overview_painted_ms"] <= TARGETS["overview_painted_ms"]
        and gzip_total <= TARGETS["js_css_gzip_bytes"],
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
