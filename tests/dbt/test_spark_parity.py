"""The batch on the Spark dbt target equals the batch on DuckDB.

The demo books go through the whole batch twice, each into its own DuckDB serving
warehouse: once with dbt in DuckDB, once with ``dbt_target=spark`` on a 2-worker Spark
standalone cluster started as ``make cluster`` does (export → dbt stage 1 on Spark →
publish → risk step → export → dbt stage 2 on Spark → publish). Every intermediate and
mart relation must then be the same: the same columns and types, keys and text exact,
numbers within a relative 1e-12 (or 1e-9 absolute: Spark adds the window sums in
another order, so a figure that cancels to near zero, such as a year-to-date P&L of a few
dollars built from terms of 1e5, moves by ~1e-11 in absolute terms). Timestamps of when
a row was computed are the wall clock of each run and are left out.
"""

from __future__ import annotations

import datetime as dt
import math
import time

import pytest
from pyspark.sql import SparkSession

from api.demo import load_demo_books
from flows.pipeline import run_pipeline
from ingest.warehouse import Warehouse
from tests.conftest import make_settings
from tests.utils.cluster import running_cluster

AS_OF = dt.date(2026, 11, 20)
RELATIVE = 1e-12
ABSOLUTE = 1e-9
SCHEMAS = ("intermediate", "marts")
# The incremental builds' own bookkeeping (dbt_project/macros/incremental_scope.sql): the
# change log records each engine's build (on Spark the models are tables rebuilt whole, so
# no model marks entries consumed) and the book fingerprints are md5s of each engine's
# text of a double. They are compared by columns only; the data built from them by rows.
BOOKKEEPING = "intermediate.int_build_"


def _tables(warehouse: Warehouse) -> dict[str, tuple[list[tuple[str, str]], list[tuple]]]:
    """Per relation of SCHEMAS: its (column, type) list and its rows in a fixed order,
    without timestamp columns."""
    found = {}
    with warehouse.connect() as conn:
        names = conn.fetchall(
            "select table_schema || '.' || table_name from information_schema.tables "
            f"where table_schema in {SCHEMAS} order by 1")
        for (name,) in names:
            columns = [(row[0], row[1]) for row in conn.fetchall(f"describe {name}")]
            kept = [column for column, kind in columns if not kind.startswith("TIMESTAMP")]
            rows = conn.fetchall(f"select {', '.join(kept)} from {name} order by all")
            found[name] = (columns, rows)
    return found


def _run_batch(directory, **overrides) -> tuple[dict, dict]:
    settings = make_settings("duckdb", directory, as_of_date=AS_OF, **overrides)
    warehouse = Warehouse(settings)
    try:
        load_demo_books(warehouse, today=AS_OF)
        report = run_pipeline(settings, warehouse=warehouse)
        return _tables(warehouse), report
    finally:
        warehouse.close()


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    duck, _ = _run_batch(tmp_path_factory.mktemp("duckdb"))
    with running_cluster(tmp_path_factory.mktemp("cluster")) as cluster, \
            pytest.MonkeyPatch.context() as env:
        env.setenv("SIGMASIGHT_SPARK_SHUFFLE_PARTITIONS", "2")  # a few thousand rows
        started = time.perf_counter()
        spark, report = _run_batch(tmp_path_factory.mktemp("spark"), dbt_target="spark",
                                   spark_master=cluster.spark_master)
        seconds = time.perf_counter() - started
        session = SparkSession.builder.getOrCreate()  # the one dbt-spark's session made
        executors = session.sparkContext._jsc.sc().getExecutorMemoryStatus().size() - 1
        master = session.sparkContext.master
        session.stop()
    print(f"\nSpark batch {seconds:.1f} s; steps (s): {report['timings']}")
    return {"duckdb": duck, "spark": spark, "master": master, "cluster": cluster,
           "executors": executors}


def test_spark_ran_on_the_two_worker_cluster(builds):
    assert builds["master"] == builds["cluster"].spark_master
    assert builds["executors"] == 2


def test_spark_builds_every_relation_with_the_same_columns(builds):
    duck, spark = builds["duckdb"], builds["spark"]
    assert sorted(spark) == sorted(duck)
    assert any(name.startswith("marts.fct_position_greeks") for name in duck)
    for name, (columns, _) in duck.items():
        assert spark[name][0] == columns, name


def _same(left: object, right: object) -> bool:
    if isinstance(left, float) and isinstance(right, float):
        if math.isnan(left) or math.isnan(right):
            return math.isnan(left) and math.isnan(right)
        return math.isclose(left, right, rel_tol=RELATIVE, abs_tol=ABSOLUTE)
    return left == right


def test_spark_marts_equal_duckdb(builds):
    duck, spark = builds["duckdb"], builds["spark"]
    populated = 0
    for name, (_, rows) in duck.items():
        if name.startswith(BOOKKEEPING):
            continue
        other = spark[name][1]
        assert len(other) == len(rows), name
        populated += bool(rows)
        for mine, theirs in zip(rows, other, strict=True):
            assert all(_same(a, b) for a, b in zip(mine, theirs, strict=True)), (name, mine,
                                                                                  theirs)
    assert populated >= 20  # the risk and book marts too, not only empty tables
