"""The parquet bridge of the Spark target, on both serving warehouses and without Spark:
sources exported with their declared types, and parquet relations (as Spark writes
them: plain or partitioned by a date, possibly without rows) published back with the
contract's types, column order and every row."""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd

from ingest.warehouse.parquet_bridge import BuiltRelation, export_sources, publish
from tests.dbt import dataset

D = dt.date.fromisoformat


def test_export_keeps_types_and_rows(warehouse, tmp_path):
    dataset.load(warehouse)
    rows = export_sources(warehouse, [("app", "positions"), ("raw", "prices_daily"),
                                      ("analytics", "position_greeks")], tmp_path)
    assert rows == {"app.positions": len(dataset.POSITIONS),
                    "raw.prices_daily": len(dataset.price_rows()),
                    "analytics.position_greeks": 0}
    local = duckdb.connect()
    types = dict(local.execute(
        f"select column_name, column_type from (describe "
        f"'{tmp_path}/app/positions/data.parquet')").fetchall())
    assert (types["id"], types["entry_date"], types["quantity"], types["symbol"]) == (
        "BIGINT", "DATE", "DOUBLE", "VARCHAR")
    exported = local.execute(
        f"select symbol, price_date, close from '{tmp_path}/raw/prices_daily/data.parquet' "
        "order by all").fetchall()
    assert exported == sorted((s, d, c) for s, d, c, _ in dataset.price_rows())
    export_sources(warehouse, [("app", "positions")], tmp_path)  # replaces the copy
    assert sorted(p.name for p in (tmp_path / "app" / "positions").iterdir()) == ["data.parquet"]


def _spark_like(location, frame: pd.DataFrame, partition: str | None = None) -> None:
    """Parquet files laid out as Spark writes a table (hive partition directories)."""
    location.mkdir(parents=True)
    local = duckdb.connect()
    local.register("frame", frame)
    if partition:
        local.execute(f"copy frame to '{location}' (format parquet, partition_by ({partition}))")
    else:
        local.execute(f"copy frame to '{location}/part-00000.parquet' (format parquet)")


def test_publish_replaces_with_contract_types_and_order(warehouse, tmp_path):
    history = pd.DataFrame({
        "portfolio_id": [1, 1, 2],
        "snapshot_date": [D("2025-01-02"), D("2025-01-03"), D("2025-01-03")],
        "equity": [1e6, 1e6 + 0.1, 2.5e5], "position_count": [3, 3, 1]})
    _spark_like(tmp_path / "history", history, partition="snapshot_date")
    weights = pd.DataFrame({"position_id": [7, 8], "sector": ["Technology", None],
                            "weight": [0.25, -0.125]})
    _spark_like(tmp_path / "weights", weights)
    (tmp_path / "empty").mkdir()
    contract = (("portfolio_id", "bigint"), ("snapshot_date", "date"),
                ("equity", "double precision"), ("position_count", "integer"))
    relations = [
        BuiltRelation("marts", "history", tmp_path / "history", contract),
        BuiltRelation("intermediate", "weights", tmp_path / "weights"),
        BuiltRelation("marts", "empty_history", tmp_path / "empty", contract),
    ]
    with warehouse.connect() as conn:  # a DuckDB/PostgreSQL build left a view there
        conn.execute("create schema if not exists intermediate")
        conn.execute("create view intermediate.weights as select 1 as stale")
    assert publish(warehouse, relations) == {
        "marts.history": 3, "intermediate.weights": 2, "marts.empty_history": 0}
    assert publish(warehouse, relations)["marts.history"] == 3  # again: replaced, not added
    with warehouse.connect() as conn:
        columns = conn.fetchall(
            "select column_name, data_type from information_schema.columns "
            "where table_schema = 'marts' and table_name = 'history' order by ordinal_position")
        rows = conn.fetchall("select * from marts.history order by 1, 2")
        weights_rows = conn.fetchall("select * from intermediate.weights order by 1")
        empty = conn.fetchall("select count(*) from marts.empty_history")
    assert [name for name, _ in columns] == [name for name, _ in contract]
    assert [kind.lower() for _, kind in columns] == (
        ["bigint", "date", "double", "integer"] if warehouse.kind == "duckdb"
        else ["bigint", "date", "double precision", "integer"])
    assert rows == [(1, D("2025-01-02"), 1e6, 3), (1, D("2025-01-03"), 1e6 + 0.1, 3),
                    (2, D("2025-01-03"), 2.5e5, 1)]
    assert weights_rows == [(7, "Technology", 0.25), (8, None, -0.125)]
    assert empty == [(0,)]
