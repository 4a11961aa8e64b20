"""The local Spark + Dask cluster of ``make cluster`` (flows.cluster) for tests: on free
ports and under a test's own directory, stopped afterwards."""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flows.cluster import Cluster, port_open

SPARK_PORTS = 6  # master, two workers, three web UIs
DASK_PORTS = 3  # scheduler, two workers


def free_port_block(size: int, taken: set[int] = frozenset()) -> int:  # type: ignore[assignment]
    """The first of ``size`` consecutive loopback ports nothing listens on."""
    rng = random.Random()
    for _ in range(200):
        base = rng.randrange(20_000, 60_000)
        block = range(base, base + size)
        if not taken.intersection(block) and not any(port_open(port) for port in block):
            return base
    raise RuntimeError("no free block of ports")


def cluster_on_free_ports(state_dir: Path) -> Cluster:
    spark = free_port_block(SPARK_PORTS)
    dask = free_port_block(DASK_PORTS, set(range(spark, spark + SPARK_PORTS)))
    return Cluster(state_dir, spark_port=spark, dask_port=dask)


@contextmanager
def running_cluster(state_dir: Path) -> Iterator[Cluster]:
    """A started cluster (``Cluster.start``, as ``make cluster`` does); stopped on exit."""
    cluster = cluster_on_free_ports(state_dir)
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()
