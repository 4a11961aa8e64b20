"""Start a long-running entry point in its own process group; stop it with a signal and
check that it, and every process it started, is gone (psutil)."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import httpx
import psutil

from ingest.config import REPO_ROOT


def start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    """``args`` in a new session (its own process group), output to ``log``."""
    with log.open("wb") as out:
        return subprocess.Popen(args, cwd=REPO_ROOT, env={**os.environ, **env}, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)


def wait_for(url: str, process: subprocess.Popen, log: Path, timeout: float = 240.0,
             status: int = 200) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"exited with {process.returncode}:\n{log.read_text()[-4000:]}")
        try:
            if httpx.get(url, timeout=2).status_code == status:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"{url} not {status} within {timeout:.0f} s:\n{log.read_text()[-4000:]}")


def family(process: subprocess.Popen) -> list[psutil.Process]:
    """The process and all its descendants (alive now)."""
    root = psutil.Process(process.pid)
    return [root, *root.children(recursive=True)]


def stop_within(process: subprocess.Popen, signum: int, seconds: float = 10.0) -> float:
    """Send ``signum`` as an operator would — SIGINT to the whole process group (a
    terminal's Ctrl-C), SIGTERM to the process alone (``docker stop``, Railway, ``kill``);
    returns the seconds it took to exit, raising when it or any of its descendants outlives
    ``seconds``. Leftovers are killed after the check."""
    members = family(process)
    names = {p.pid: " ".join(p.cmdline())[:120] for p in members}
    started = time.monotonic()
    if signum == signal.SIGINT:
        os.killpg(process.pid, signum)
    else:
        process.send_signal(signum)
    try:
        process.wait(timeout=seconds)
        gone, alive = psutil.wait_procs(members, timeout=max(0.1, seconds - (
            time.monotonic() - started)))
        elapsed = time.monotonic() - started
    finally:
        leftovers = [p for p in members if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
        for member in leftovers:
            member.kill()
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    assert not alive, f"orphans after {signum}: {[names[p.pid] for p in alive]}"
    return elapsed
