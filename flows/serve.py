"""``make flows``: start a local Prefect server (state under ``data/prefect``) and serve
the deployments of :mod:`flows.deployments` until interrupted.

The UI is at http://127.0.0.1:4200 (``--port``): its Deployments page lists the three
scheduled deployments (market-data, risk-metrics, snapshots) and the on-demand
daily-update and portfolio-backfill. If ``PREFECT_API_URL`` is already set, that server
is used and none is started. Point the API at the server (``PREFECT_API_URL=
http://127.0.0.1:4200/api``) and ``POST /admin/daily-update`` triggers the daily-update
deployment here (see :mod:`flows.pipeline`). The flow runs read the same ``SIGMASIGHT_*``
settings as the API, so start both with the same environment.

Prefect's state lives under ``$PREFECT_HOME`` when set (the Makefile sets
``data/prefect``), else under ``<SIGMASIGHT_DATA_DIR>/prefect``. Ctrl-C or SIGTERM stops
the runner (in-flight runs are cancelled) and then the server, and waits for it.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from ingest.config import get_settings
from ingest.warehouse import get_warehouse
from ingest.warehouse.migrate import prepare_schema


def prefect_home() -> Path:
    home = os.environ.get("PREFECT_HOME")
    return Path(home) if home else get_settings().data_dir / "prefect"


def start_server(port: int, startup_timeout: float = 180.0) -> subprocess.Popen:
    """Start ``prefect server start`` in the background; wait until it answers."""
    home = prefect_home()
    home.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PREFECT_HOME": str(home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    env.pop("PREFECT_API_URL", None)
    # The UI asks the server where its API is; Prefect's default says port 4200.
    env.setdefault("PREFECT_UI_API_URL", f"http://127.0.0.1:{port}/api")
    server = subprocess.Popen(
        [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
         "--port", str(port)], env=env,
    )
    url = f"http://127.0.0.1:{port}/api/health"
    deadline = time.monotonic() + startup_timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        if server.poll() is not None:
            raise RuntimeError("prefect server exited during start-up")
        time.sleep(0.5)
    stop_server(server)
    raise TimeoutError(f"prefect server did not start within {startup_timeout:.0f} s")


def stop_server(server: subprocess.Popen, timeout: float = 30.0) -> None:
    """SIGTERM the server and wait for it (SIGKILL after ``timeout``)."""
    if server.poll() is not None:
        return
    server.terminate()
    try:
        server.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=4200)
    args = parser.parse_args()
    # SIGTERM before the runner is up must still stop the server we started.
    signal.signal(signal.SIGTERM, _interrupt)
    warehouse = get_warehouse(get_settings())
    prepare_schema(warehouse)  # an out-of-date schema refuses to start: `make migrate`
    warehouse.close()
    server = None
    try:
        if not os.environ.get("PREFECT_API_URL"):
            server = start_server(args.port)
            os.environ["PREFECT_API_URL"] = f"http://127.0.0.1:{args.port}/api"
        from prefect import serve

        from flows.deployments import deployments

        print(f"Prefect UI: http://127.0.0.1:{args.port}  — serving {len(deployments())} "
              "deployments", flush=True)
        serve(*deployments())  # the runner installs its own graceful SIGTERM handler
    except KeyboardInterrupt:
        pass
    finally:
        if server is not None:
            stop_server(server)


if __name__ == "__main__":
    main()
