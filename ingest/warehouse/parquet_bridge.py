"""The bridge between the serving warehouse and the Spark dbt target: parquet both ways.

Spark never connects to the serving warehouse. Before a dbt stage on Spark,
:func:`export_sources` copies every source table the dbt project declares into
``<root>/<schema>/<table>/data.parquet`` (set-based: DuckDB's ``COPY … TO`` in the
warehouse itself; from PostgreSQL through an in-memory DuckDB, each column cast to its
declared type). dbt's ``register_parquet_sources`` hook turns them into external Spark
tables. After the stage, :func:`publish` copies each relation dbt built (Spark's managed
parquet tables) into the serving warehouse under the same ``schema.name``, in one
transaction, so the API, the risk step and an analyst keep reading one warehouse and
readers see the previous tables until the commit.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb

from ingest.warehouse.connection import Connection, Warehouse
from ingest.warehouse.errors import translated_errors

# PostgreSQL's information_schema type names -> DuckDB's (exports from PostgreSQL).
_PG_TO_DUCKDB = {
    "bigint": "BIGINT", "integer": "INTEGER", "smallint": "SMALLINT", "boolean": "BOOLEAN",
    "double precision": "DOUBLE", "real": "FLOAT", "numeric": "DOUBLE", "date": "DATE",
    "timestamp without time zone": "TIMESTAMP", "timestamp with time zone": "TIMESTAMPTZ",
}
# DuckDB's parquet column types -> PostgreSQL's (publishing into PostgreSQL).
_DUCKDB_TO_PG = {
    "BIGINT": "bigint", "INTEGER": "integer", "SMALLINT": "smallint", "BOOLEAN": "boolean",
    "DOUBLE": "double precision", "FLOAT": "real", "DATE": "date", "VARCHAR": "varchar",
    "TIMESTAMP": "timestamp", "TIMESTAMP WITH TIME ZONE": "timestamptz",
}


@dataclass(frozen=True)
class BuiltRelation:
    """A relation dbt built on Spark: where its parquet files are and, when the model
    has an enforced contract, its columns with the declared types (in order)."""

    schema: str
    name: str
    location: Path
    columns: tuple[tuple[str, str], ...] = ()


def export_sources(warehouse: Warehouse, tables: Iterable[tuple[str, str]],
                   root: Path) -> dict[str, int]:
    """Write each ``(schema, table)`` of ``warehouse`` to ``root/schema/table/data.parquet``
    (replacing the previous copy); returns the rows written per table."""
    rows = {}
    with warehouse.connect() as conn:
        for schema, table in sorted(set(tables)):
            target = root / schema / table
            staging = target.with_name(f".{table}.new")
            shutil.rmtree(staging, ignore_errors=True)
            staging.mkdir(parents=True)
            rows[f"{schema}.{table}"] = _export_table(conn, schema, table,
                                                      staging / "data.parquet")
            shutil.rmtree(target, ignore_errors=True)
            staging.rename(target)
    return rows


def _export_table(conn: Connection, schema: str, table: str, path: Path) -> int:
    if conn.kind == "duckdb":
        conn.execute(f"copy (select * from {schema}.{table}) to '{path}' (format parquet)")
        return int(conn.fetchall(f"select count(*) from '{path}'")[0][0])
    types = conn.fetchall(
        "select column_name, data_type from information_schema.columns "
        "where table_schema = :schema and table_name = :table order by ordinal_position",
        {"schema": schema, "table": table})
    frame = conn.fetch_df(f"select * from {schema}.{table}")  # noqa: F841 - read by DuckDB
    casts = ", ".join(f"cast({name} as {_PG_TO_DUCKDB.get(kind, 'VARCHAR')}) as {name}"
                      for name, kind in types)
    with translated_errors(), duckdb.connect() as local:
        local.execute(f"copy (select {casts} from frame) to '{path}' (format parquet)")
    return len(frame)


def publish(warehouse: Warehouse, relations: Sequence[BuiltRelation]) -> dict[str, int]:
    """Replace each relation of the serving warehouse by the Spark-built parquet table, in
    one transaction; returns the rows published per relation."""
    rows = {}
    with warehouse.connect() as conn:
        for relation in relations:
            conn.execute(f"create schema if not exists {relation.schema}")
            _drop(conn, relation.schema, relation.name)
            rows[f"{relation.schema}.{relation.name}"] = _publish_one(conn, relation)
    return rows


def _select(relation: BuiltRelation) -> str:
    """A DuckDB query of the relation's parquet files, columns cast to the contract's types
    and in its order (Spark puts partition columns last); an empty table's files may be
    absent (a partitioned table without rows)."""
    files = sorted(relation.location.rglob("*.parquet"))
    columns = ", ".join(f"cast({name} as {kind}) as {name}" for name, kind in relation.columns)
    if not files:
        if not relation.columns:
            raise FileNotFoundError(f"no parquet files under {relation.location}")
        nulls = ", ".join(f"cast(null as {kind}) as {name}" for name, kind in relation.columns)
        return f"select {nulls} where false"
    partitioned = any("=" in path.parent.name for path in files)
    scan = (f"read_parquet('{relation.location}/**/*.parquet', "
            f"hive_partitioning = {str(partitioned).lower()})")
    return f"select {columns or '*'} from {scan}"


def _publish_one(conn: Connection, relation: BuiltRelation) -> int:
    target = f"{relation.schema}.{relation.name}"
    if conn.kind == "duckdb":
        conn.execute(f"create table {target} as {_select(relation)}")
        return int(conn.fetchall(f"select count(*) from {target}")[0][0])
    with translated_errors(), duckdb.connect() as local:
        described = local.execute(f"describe {_select(relation)}").fetchall()
        frame = local.execute(_select(relation)).df()
    declared = dict(relation.columns)
    columns = ", ".join(
        f"{name} {declared.get(name) or _DUCKDB_TO_PG.get(kind, 'varchar')}"
        for name, kind, *_ in described)
    conn.execute(f"create table {target} ({columns})")
    return conn.insert_df(target, frame)


def _drop(conn: Connection, schema: str, name: str) -> None:
    """Drop ``schema.name`` whether it is a table or a view (a DuckDB or PostgreSQL build
    made the staging models views)."""
    found = conn.fetchall(
        "select table_type from information_schema.tables "
        "where table_schema = :schema and table_name = :name", {"schema": schema, "name": name})
    if found:
        kind = "view" if found[0][0] == "VIEW" else "table"
        cascade = " cascade" if conn.kind == "postgres" else ""
        conn.execute(f"drop {kind} {schema}.{name}{cascade}")
