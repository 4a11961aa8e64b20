"""A Spark standalone cluster and a Dask cluster on this machine, by PID (``make cluster``).

``python -m flows.cluster start|stop|status`` starts a Spark master with two workers
(the JVM classes of the jars pyspark ships: ``org.apache.spark.deploy.master.Master``
and ``…worker.Worker``) and a Dask scheduler with two workers (``dask scheduler`` /
``dask worker`` of ``distributed``), all on loopback. Each process's PID, port, command
and log go to ``<data_dir>/cluster/state.json``; ``start`` waits until every process
answers on its port and is idempotent (what is already running is kept), ``stop`` sends
SIGTERM, waits, and reports (SIGKILL only past the grace period). The batch uses them
through ``SIGMASIGHT_SPARK_MASTER`` and ``SIGMASIGHT_DASK_ADDRESS`` (printed by ``start``).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ingest.config import Settings, get_settings

HOST = "127.0.0.1"
SPARK_PORT = 7077  # master; workers, web UIs: the next five ports
DASK_PORT = 8786  # scheduler; workers: the next two ports
WORKERS = 2
START_TIMEOUT_SECONDS = 90.0
STOP_GRACE_SECONDS = 15.0


@dataclass(frozen=True)
class Service:
    """One process of the cluster: its name, port, command line, and what /proc shows of
    it (``marker``, so a recycled PID is never taken for ours)."""

    name: str
    port: int
    command: list[str]
    marker: str


def spark_home() -> Path:
    """The Spark distribution inside the pyspark wheel (its ``jars/``)."""
    import pyspark

    return Path(pyspark.__file__).parent


def scala_version() -> str:
    """The Scala version of the bundled jars (``spark-core_2.13-….jar`` → ``2.13``): a
    worker's launcher needs it to build an executor's class path outside a Spark build."""
    core = next((spark_home() / "jars").glob("spark-core_*.jar"))
    return core.name.removeprefix("spark-core_").split("-")[0]


def services(state_dir: Path, spark_port: int = SPARK_PORT,
             dask_port: int = DASK_PORT) -> list[Service]:
    """The master/scheduler first, then their workers (1 core, 1 GB, 1 thread each)."""
    java = shutil.which("java") or "java"
    classpath = f"{spark_home() / 'jars'}/*"
    master_url = f"spark://{HOST}:{spark_port}"
    spark = [Service("spark-master", spark_port, [
        java, "-Xmx256m", "-cp", classpath, "org.apache.spark.deploy.master.Master",
        "--host", HOST, "--port", str(spark_port), "--webui-port", str(spark_port + 3),
    ], "deploy.master.Master")]
    for index in range(1, WORKERS + 1):
        spark.append(Service(f"spark-worker-{index}", spark_port + index, [
            java, "-Xmx256m", "-cp", classpath, "org.apache.spark.deploy.worker.Worker",
            "--host", HOST, "--port", str(spark_port + index), "--cores", "2",
            "--memory", "1g", "--webui-port", str(spark_port + 3 + index),
            "--work-dir", str(state_dir / f"spark-worker-{index}"), master_url,
        ], "deploy.worker.Worker"))
    dask = [Service("dask-scheduler", dask_port, [
        sys.executable, "-m", "dask", "scheduler", "--host", HOST, "--port", str(dask_port),
        "--no-dashboard",
    ], "dask scheduler")]
    for index in range(1, WORKERS + 1):
        dask.append(Service(f"dask-worker-{index}", dask_port + index, [
            sys.executable, "-m", "dask", "worker", f"tcp://{HOST}:{dask_port}",
            "--host", HOST, "--worker-port", str(dask_port + index), "--no-nanny",
            "--nthreads", "1", "--memory-limit", "1GB", "--no-dashboard",
            "--local-directory", str(state_dir / f"dask-worker-{index}"),
        ], "dask worker"))
    return spark + dask


def port_open(port: int, host: str = HOST) -> bool:
    """True when something accepts TCP connections on ``host:port``."""
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex((host, port)) == 0


def alive(pid: int, marker: str) -> bool:
    """True when ``pid`` runs and its command line is the expected one."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return False
    state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()[0]
    return marker in cmdline and state != "Z"


class Cluster:
    """The processes recorded under ``state_dir`` (``<data_dir>/cluster``)."""

    def __init__(self, state_dir: Path, spark_port: int = SPARK_PORT,
                 dask_port: int = DASK_PORT):
        self.state_dir = state_dir
        self.state_file = state_dir / "state.json"
        self.services = services(state_dir, spark_port, dask_port)
        self.spark_master = f"spark://{HOST}:{spark_port}"
        self.dask_address = f"tcp://{HOST}:{dask_port}"

    @classmethod
    def from_settings(cls, settings: Settings, **ports: int) -> Cluster:
        return cls(settings.data_dir / "cluster", **ports)

    def _state(self) -> dict[str, dict]:
        if not self.state_file.exists():
            return {}
        return dict(json.loads(self.state_file.read_text()))

    def _save(self, state: dict[str, dict]) -> None:
        self.state_file.write_text(json.dumps(state, indent=2))

    def status(self) -> dict[str, dict]:
        """Per service: pid (or None), whether it runs and whether its port answers."""
        state = self._state()
        report = {}
        for service in self.services:
            pid = state.get(service.name, {}).get("pid")
            report[service.name] = {
                "pid": pid, "port": service.port,
                "running": pid is not None and alive(int(pid), service.marker),
                "listening": port_open(service.port)}
        return report

    def start(self, timeout: float = START_TIMEOUT_SECONDS) -> dict[str, Any]:
        """Start what is not running, in order (each waits for its port before the next);
        raises RuntimeError (after stopping what it started) when one never answers."""
        self.state_dir.mkdir(parents=True, exist_ok=True)
        state = self._state()
        started = []
        env = {**os.environ, "SPARK_HOME": str(spark_home()),
               "SPARK_SCALA_VERSION": scala_version()}
        for service in self.services:
            pid = state.get(service.name, {}).get("pid")
            if pid and alive(pid, service.marker):
                continue
            if port_open(service.port):
                raise RuntimeError(f"port {service.port} of {service.name} is taken by "
                                   "another process")
            log = self.state_dir / f"{service.name}.log"
            with log.open("ab") as out:
                process = subprocess.Popen(  # noqa: S603 - our own fixed command line
                    service.command, stdout=out, stderr=subprocess.STDOUT, env=env,
                    stdin=subprocess.DEVNULL, start_new_session=True)
            state[service.name] = {**asdict(service), "pid": process.pid, "log": str(log)}
            self._save(state)
            started.append(service.name)
            if not _wait_for(lambda s=service, p=process: port_open(s.port)
                             or p.poll() is not None, timeout) or process.poll() is not None:
                self.stop()
                raise RuntimeError(f"{service.name} did not answer on port {service.port} "
                                   f"within {timeout:.0f} s: see {log}")
        return {"started": started, **self.status()}

    def stop(self, grace: float = STOP_GRACE_SECONDS) -> dict[str, str]:
        """SIGTERM every recorded process (workers first), wait for each to exit and
        its port to close; SIGKILL what is still there after ``grace`` seconds."""
        state = self._state()
        report = {}
        for service in reversed(self.services):
            pid = state.get(service.name, {}).get("pid")
            if not pid or not alive(pid, service.marker):
                report[service.name] = "not running"
                continue
            os.kill(pid, signal.SIGTERM)
            if _wait_for(lambda p=pid, s=service: not alive(p, s.marker), grace):
                report[service.name] = "stopped"
            else:
                os.kill(pid, signal.SIGKILL)
                _wait_for(lambda p=pid, s=service: not alive(p, s.marker), grace)
                report[service.name] = "killed after SIGTERM timed out"
            _wait_for(lambda s=service: not port_open(s.port), grace)
            _reap(pid)
        self.state_file.unlink(missing_ok=True)
        return report


def _reap(pid: int) -> None:
    """Collect the exit status when ``pid`` is this process's child (no zombie left)."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


def _wait_for(condition, timeout: float) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return bool(condition())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m flows.cluster", description=__doc__)
    parser.add_argument("command", choices=["start", "stop", "status"])
    parser.add_argument("--spark-port", type=int, default=SPARK_PORT)
    parser.add_argument("--dask-port", type=int, default=DASK_PORT)
    args = parser.parse_args(argv)
    cluster = Cluster.from_settings(get_settings(), spark_port=args.spark_port,
                                    dask_port=args.dask_port)
    result = getattr(cluster, args.command)()
    print(json.dumps(result, indent=2))
    if args.command == "start":
        print(f"export SIGMASIGHT_SPARK_MASTER={cluster.spark_master}\n"
              f"export SIGMASIGHT_DASK_ADDRESS={cluster.dask_address}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
