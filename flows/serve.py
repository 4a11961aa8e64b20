"""``make flows``: start a local Prefect server (state under ``data/prefect``) and serve
the deployments of :mod:`flows.deployments` until interrupted.

The UI is at http://127.0.0.1:4200 (``--port``): its Deployments page lists the three
scheduled deployments (market-data, risk-metrics, snapshots) and the on-demand
daily-update and portfolio-backfill. If ``PREFECT_API_URL`` is already set, that server
is used and none is started (the production flows worker). Point the API at the server
(``PREFECT_API_URL=http://127.0.0.1:4200/api``) and ``POST /admin/daily-update`` triggers
the daily-update deployment here (see :mod:`flows.pipeline`). The flow runs read the same
``SIGMASIGHT_*`` settings as the API, so start both with the same environment.

Prefect's state lives under ``$PREFECT_HOME`` when set (the Makefile sets
``data/prefect``), else under ``<SIGMASIGHT_DATA_DIR>/prefect``.

**Processes.** This process only supervises: the Prefect server and the runner
(``--runner``: Prefect's ``serve``) are children, each in its own process group, so a
terminal's Ctrl-C reaches this process alone. On SIGINT or SIGTERM — or when either child
exits — it sends SIGTERM to both groups, waits up to :data:`STOP_SECONDS`, SIGKILLs what
is left and exits: no process outlives it. (Before, Ctrl-C stopped the server child while
the serving parent kept running.)
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

from ingest.config import get_settings
from ingest.warehouse import get_warehouse
from ingest.warehouse.migrate import prepare_schema

STOP_SECONDS = 7.0  # SIGTERM → SIGKILL; the whole exit stays under 10 s


def prefect_home() -> Path:
    home = os.environ.get("PREFECT_HOME")
    return Path(home) if home else get_settings().data_dir / "prefect"


def _spawn(args: list[str], env: dict[str, str]) -> subprocess.Popen:
    """A child in its own session (process group): terminal signals do not reach it."""
    return subprocess.Popen(args, env=env, start_new_session=True)


def start_server(port: int, stop: threading.Event | None = None,
                 startup_timeout: float = 180.0) -> subprocess.Popen:
    """Start ``prefect server start`` in the background; wait until it answers."""
    home = prefect_home()
    home.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PREFECT_HOME": str(home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    env.pop("PREFECT_API_URL", None)
    # The UI asks the server where its API is; Prefect's default says port 4200.
    env.setdefault("PREFECT_UI_API_URL", f"http://127.0.0.1:{port}/api")
    server = _spawn([sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
                     "--port", str(port)], env)
    url = f"http://127.0.0.1:{port}/api/health"
    deadline = time.monotonic() + startup_timeout
    while time.monotonic() < deadline and not (stop and stop.is_set()):
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        if server.poll() is not None:
            raise RuntimeError("prefect server exited during start-up")
        time.sleep(0.5)
    stop_processes([server])
    if stop and stop.is_set():
        raise KeyboardInterrupt
    raise TimeoutError(f"prefect server did not start within {startup_timeout:.0f} s")


def stop_processes(children: list[subprocess.Popen], timeout: float = STOP_SECONDS) -> None:
    """SIGTERM each child's process group, wait up to ``timeout``, then SIGKILL them."""
    for child in children:
        _signal_group(child, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for child in children:
        try:
            child.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            pass
    for child in children:  # the leader has exited or not: its group may still hold others
        _signal_group(child, signal.SIGKILL)
        child.wait()


def _signal_group(child: subprocess.Popen, signum: int) -> None:
    try:
        os.killpg(child.pid, signum)
    except (ProcessLookupError, PermissionError):
        pass


def serve_deployments() -> None:
    """The runner (``--runner``): Prefect's ``serve`` of every deployment."""
    from prefect import serve

    from flows.deployments import deployments

    print(f"serving {len(deployments())} deployments on {os.environ['PREFECT_API_URL']}",
          flush=True)
    serve(*deployments())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=4200)
    parser.add_argument("--runner", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.runner:
        serve_deployments()
        return
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    warehouse = get_warehouse(get_settings())
    prepare_schema(warehouse)  # an out-of-date schema refuses to start: `make migrate`
    warehouse.close()
    children: list[subprocess.Popen] = []
    try:
        env = dict(os.environ)
        if not env.get("PREFECT_API_URL"):
            children.append(start_server(args.port, stop))
            env["PREFECT_API_URL"] = f"http://127.0.0.1:{args.port}/api"
            print(f"Prefect UI: http://127.0.0.1:{args.port}", flush=True)
        children.append(_spawn([sys.executable, "-m", "flows.serve", "--runner"], env))
        while not stop.wait(0.5):
            if any(child.poll() is not None for child in children):
                print("a child process exited: stopping", flush=True)
                break
    except KeyboardInterrupt:
        pass
    finally:
        stop_processes(children)


if __name__ == "__main__":
    main()
