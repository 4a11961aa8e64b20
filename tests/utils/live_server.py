"""A real uvicorn server on a free loopback port, in a thread of the test process."""

from __future__ import annotations

import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_healthy(process: subprocess.Popen, port: int, timeout: float) -> subprocess.Popen:
    """Poll ``/api/v1/health`` of a server ``process`` on loopback ``port`` until it
    answers 200 (returns the process) or ``timeout`` seconds pass (stops it, raises)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=1).status_code == 200:
                return process
        except httpx.TransportError:
            time.sleep(0.2)
    process.terminate()
    raise RuntimeError("the API server did not start")


@contextmanager
def serve(app: FastAPI, timeout: float = 30.0, **options: Any) -> Iterator[str]:
    """Serve ``app`` on 127.0.0.1 (lifespan included); yields its base URL.
    ``options``: more ``uvicorn.Config`` arguments (e.g. ``api.server.uvicorn_options``)."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                           log_level="warning", lifespan="on", **options))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while not server.started:
            if time.monotonic() > deadline or not thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.05)
        assert httpx.get(f"{base_url}/api/v1/health").status_code == 200
        yield base_url
    finally:
        server.should_exit = True
        thread.join(timeout=15)
