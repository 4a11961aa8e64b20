"""SIGTERM and SIGINT to the long-running entry points: each exits within 10 s and leaves
no process behind (the production server: tests/api/test_serve.py)."""

from __future__ import annotations

import re
import signal
import socket
import sys
import time

import pytest

from tests.utils.processes import family, start, stop_within, wait_for

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _env(tmp_path) -> dict[str, str]:
    return {"SIGMASIGHT_DATA_DIR": str(tmp_path), "PREFECT_HOME": str(tmp_path / "prefect"),
            "SIGMASIGHT_DATABASE_URL": f"duckdb:///{tmp_path / 'warehouse.duckdb'}",
            "PREFECT_API_URL": "", "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "SIGMASIGHT_ENVIRONMENT": "development"}  # as `make demo` sets it


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_demo_server_stops(tmp_path, signum):
    port = _free_port()
    log = tmp_path / "demo.log"
    server = start([sys.executable, "-m", "api.demo", "--serve", "--no-build",
                    "--port", str(port)], _env(tmp_path), log)
    wait_for(f"http://127.0.0.1:{port}/readyz", server, log)
    assert stop_within(server, signum) < 10
    assert "Traceback" not in log.read_text(), log.read_text()[-3000:]  # e.g. a log format


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_flows_serve_stops_with_its_prefect_server_and_runner(tmp_path, signum):
    """The reported failure: Ctrl-C stopped the server child, the parent kept serving."""
    port = _free_port()
    log = tmp_path / "flows.log"
    process = start([sys.executable, "-m", "flows.serve", "--port", str(port)],
                    _env(tmp_path), log)
    wait_for(f"http://127.0.0.1:{port}/api/health", process, log)
    deadline = time.monotonic() + 240
    while not re.search(r"serving \d+ deployments", log.read_text()):
        assert process.poll() is None, log.read_text()[-3000:]
        assert time.monotonic() < deadline, log.read_text()[-3000:]
        time.sleep(0.5)
    time.sleep(3)  # the runner has registered its deployments and polls for work
    assert len(family(process)) >= 3  # supervisor, Prefect server, runner (+ their children)
    assert stop_within(process, signum) < 10
