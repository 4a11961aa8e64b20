"""The risk step's shards as Prefect tasks: on a Dask cluster (prefect-dask) and on threads.

A real ``distributed.LocalCluster`` (a scheduler and 2 workers in this process:
``processes=False`` keeps the test short; ``bench/bench_risk_step.py --dask-workers``
runs the same path on worker processes) and a Prefect API from
``prefect_test_harness``. Each runner must store exactly what the in-process run with
the same shards stores (same code on the same inputs: bit for bit), and the shards must
really have run on the cluster.
"""

from __future__ import annotations

import pytest
from distributed import LocalCluster
from prefect.testing.utilities import prefect_test_harness

from flows.risk_fanout import prefect_shards
from flows.risk_step import run_risk_step
from tests.utils.risk_books import many_books
from tests.utils.risk_compare import table_differences
from tests.utils.risk_world import load_world

from .test_risk_shards import stored

N_BOOKS = 14
SHARD = 4


@pytest.fixture(scope="module")
def harness():
    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture(scope="module")
def cluster():
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                      dashboard_address=":0") as cluster:
        yield cluster


def test_dask_and_thread_shards_store_the_in_process_rows(harness, cluster, warehouse,
                                                           settings):
    load_world(warehouse, many_books(N_BOOKS))
    local = settings.model_copy(update={"risk_shard_portfolios": SHARD})
    expected = run_risk_step(warehouse, local)
    rows = stored(warehouse)
    on_dask = local.model_copy(update={"dask_address": cluster.scheduler_address,
                                       "risk_shards_in_flight": 3})
    threads = local.model_copy(update={"risk_shards_in_flight": 2})
    for runner_settings in (on_dask, threads):
        report = run_risk_step(warehouse, runner_settings,
                               shard_runner=prefect_shards(runner_settings))
        assert report["shards"] == expected["shards"] == -(-(N_BOOKS + 2) // SHARD)
        assert report["rows"] == expected["rows"]
        assert set(table_differences(rows, stored(warehouse)).values()) == {0.0}
    assert any(prefix.startswith("risk_shard") for prefix in cluster.scheduler.task_prefixes)
