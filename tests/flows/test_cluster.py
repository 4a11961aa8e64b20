"""`make cluster` (flows.cluster): a Spark master + 2 workers and a Dask scheduler + 2
workers start by PID, answer on their ports, start again idempotently, report their
status, and stop cleanly (no process left, every port closed)."""

from __future__ import annotations

import os

from distributed import Client

from flows.cluster import alive, port_open
from tests.utils.cluster import cluster_on_free_ports


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_cluster_start_status_stop(tmp_path):
    cluster = cluster_on_free_ports(tmp_path / "cluster")
    try:
        started = cluster.start()
        names = [service.name for service in cluster.services]
        assert started["started"] == names
        status = cluster.status()
        assert all(status[name]["running"] and status[name]["listening"] for name in names)
        pids = {name: status[name]["pid"] for name in names}
        assert len(set(pids.values())) == 6

        again = cluster.start()  # idempotent: nothing new, the same processes
        assert again["started"] == []
        assert {name: again[name]["pid"] for name in names} == pids

        with Client(cluster.dask_address, timeout=30) as client:  # the workers registered
            client.wait_for_workers(2, timeout=60)
            assert client.submit(sum, [1, 2, 3]).result(timeout=60) == 6
    finally:
        report = cluster.stop()
    assert report == dict.fromkeys(reversed(names), "stopped")
    for service in cluster.services:
        assert _gone(pids[service.name]) or not alive(pids[service.name], service.marker)
        assert not port_open(service.port)
    assert not cluster.state_file.exists()
    assert cluster.stop() == dict.fromkeys(reversed(names), "not running")
