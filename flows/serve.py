"""``make flows``: start a local Prefect server (state under ``data/prefect``) and serve
the deployments of :mod:`flows.deployments` until interrupted.

The UI is at http://127.0.0.1:4200 (``--port``). If ``PREFECT_API_URL`` is already
set, that server is used and none is started.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

import httpx

from ingest.config import get_settings


def start_server(port: int) -> subprocess.Popen:
    """Start ``prefect server start`` in the background; wait until it answers."""
    home = get_settings().data_dir / "prefect"
    home.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PREFECT_HOME": str(home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    server = subprocess.Popen(
        [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
         "--port", str(port)], env=env,
    )
    url = f"http://127.0.0.1:{port}/api/health"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        if server.poll() is not None:
            raise RuntimeError("prefect server exited during start-up")
        time.sleep(0.5)
    server.terminate()
    raise TimeoutError("prefect server did not start within 90 s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=4200)
    args = parser.parse_args()
    server = None
    if not os.environ.get("PREFECT_API_URL"):
        server = start_server(args.port)
        os.environ["PREFECT_API_URL"] = f"http://127.0.0.1:{args.port}/api"
    from prefect import serve

    from flows.deployments import deployments

    print(f"Prefect UI: http://127.0.0.1:{args.port}  — serving {len(deployments())} deployments")
    try:
        serve(*deployments())
    finally:
        if server is not None:
            server.terminate()


if __name__ == "__main__":
    main()
