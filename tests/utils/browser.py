"""Headless Chromium (Debian's package) for tests that look at a page as a person would.

``render(url, screenshot=path)`` loads the page with JavaScript, waits for the virtual
time budget, saves a screenshot and returns the rendered DOM. Chromium runs with no
background networking, so it only talks to the loopback server under test.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage", "--hide-scrollbars",
]
OUTPUT_DIR = Path(__file__).resolve().parents[2] / "test-output"


def chromium_path() -> str:
    """The Chromium binary; skip locally (fail in CI) when it is not installed."""
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path:
        return path
    message = "Debian's chromium is not installed (make browser)"
    if os.environ.get("SIGMASIGHT_REQUIRE_POSTGRES") == "1":
        pytest.fail(message)
    pytest.skip(message)


def render(url: str, *, screenshot: Path | None = None, budget_ms: int = 15000,
           window: str = "1400,1000") -> str:
    """Rendered DOM of ``url`` after ``budget_ms`` of virtual time; optional screenshot."""
    binary = chromium_path()
    with tempfile.TemporaryDirectory() as profile:
        common = [binary, *FLAGS, f"--user-data-dir={profile}", f"--window-size={window}",
                  f"--virtual-time-budget={budget_ms}"]
        if screenshot is not None:
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            subprocess.run([*common, f"--screenshot={screenshot}", url], check=True,
                           capture_output=True, timeout=120)
        dom = subprocess.run([*common, "--dump-dom", url], check=True, capture_output=True,
                             timeout=120, text=True)
    return dom.stdout
