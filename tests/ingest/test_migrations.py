"""Schema revisions: a warehouse of the previous release upgrades in place, every row kept.

The previous release created its tables with the baseline DDL and had no version table;
the test builds such a warehouse, fills it, checks that the API refuses to start on it,
runs ``make migrate`` and compares every table's rows before and after.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import subprocess

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from ingest.config import REPO_ROOT
from ingest.warehouse import Warehouse, close_all_warehouses
from ingest.warehouse.migrate import SchemaOutOfDateError, head_revision, schema_status
from ingest.warehouse.schema import baseline_statements, ddl_files

# The baseline revision runs these files: they never change (a change is a new revision).
BASELINE_SHA256 = {
    "analytics.sql":
        "19a344b6cee7fa779f0c0222fc18f4b4b3e1feb1a5b94de8c28866a0a4bd6cd1",
    "app.sql":
        "cf2c8a6e5bf6c9ab76d42ce4b8044f39abc8c76de8cd3c84392a74093c4b5e56",
    "book_analytics.sql":
        "a30062775b3bc2cdfe0cd11b37732072ffe53ae34e67083316f03eeb3ac77a54",
    "modeling.sql":
        "10dda8c8f81cf864d7bdc9dd467689cd469cfcf2734cedfb2604b8e95a36b285",
    "raw.sql":
        "9da49a9e003dabb3ec295d806521732e03fa62e417b8905d24bd0d55ffa31882",
}
OWNED_SCHEMAS = ("app", "raw", "analytics")


def _tables(warehouse: Warehouse) -> list[str]:
    with warehouse.connect() as conn:
        rows = conn.fetchall(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema in ('app', 'raw', 'analytics') and table_type = 'BASE TABLE' "
            "order by 1, 2")
    return [f"{schema}.{name}" for schema, name in rows]


def _contents(warehouse: Warehouse, tables: list[str],
              columns: dict[str, set[str]] | None = None) -> dict[str, list[tuple]]:
    """Every row of every table as sorted tuples; with ``columns`` (the previous release's
    columns per table) only those, so columns added by later revisions are left out."""
    contents = {}
    with warehouse.connect() as conn:
        for table in tables:
            rows = conn.fetch_dicts(f"select * from {table}")
            keep = columns[table] if columns else None
            contents[table] = sorted(tuple(sorted((k, str(v)) for k, v in row.items()
                                                   if keep is None or k in keep))
                                     for row in rows)
    return contents


def _columns(warehouse: Warehouse, tables: list[str]) -> dict[str, set[str]]:
    with warehouse.connect() as conn:
        return {table: {name for name, in conn.fetchall(
            "select column_name from information_schema.columns "
            "where table_schema = :schema and table_name = :name",
            {"schema": table.split(".")[0], "name": table.split(".")[1]})}
            for table in tables}


def _fill_previous_release(warehouse: Warehouse) -> None:
    now = dt.datetime(2026, 11, 20, 21, 0)
    with warehouse.connect() as conn:
        conn.execute("insert into app.users (username, password_hash, is_admin) values "
                     "('ann', 'x', false), ('bob', 'y', true)")
        conn.execute("insert into app.portfolios (user_id, name, equity) values (1, 'main', 1e6)")
        conn.execute("insert into app.positions (portfolio_id, symbol, quantity, entry_price, "
                     "entry_date) values (1, 'AAPL', 100, 190.5, '2026-10-01'), "
                     "(1, 'MSFT', -50, 410.25, '2026-10-02')")
        conn.execute("insert into app.batch_runs (id, kind, status, progress, finished_at) "
                     "values ('r1', 'daily_update', 'completed', 1, :now)", {"now": now})
        conn.execute("insert into raw.prices_daily (symbol, price_date, open, high, low, close, "
                     "volume, source) values ('AAPL', '2026-11-20', 1, 2, 0.5, 1.5, 1000, "
                     "'synthetic')")


def test_baseline_ddl_is_frozen():
    found = {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in ddl_files()}
    assert found == BASELINE_SHA256, "baseline DDL changed: write a new revision instead"


def test_previous_release_upgrades_in_place_with_make_migrate(settings):
    old = Warehouse(settings)
    old.execute_script(baseline_statements())  # the previous release (no version table)
    _fill_previous_release(old)
    tables = _tables(old)
    before = _contents(old, tables)
    columns = _columns(old, tables)
    assert sum(len(rows) for rows in before.values()) >= 6  # + rows the DDL itself seeds
    assert schema_status(old).revision == "0001"

    with pytest.raises(SchemaOutOfDateError, match="make migrate"), \
            TestClient(create_app(settings)):
        pass  # the API refuses to start on a schema that is behind
    old.close()
    close_all_warehouses()  # the app's warehouse: release the DuckDB file for `make`

    env = {**os.environ, "SIGMASIGHT_DATABASE_URL": settings.database_url,
           "SIGMASIGHT_DATA_DIR": str(settings.data_dir)}
    result = subprocess.run(["make", "-s", "migrate"], cwd=REPO_ROOT, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"0001 -> {head_revision()}" in result.stdout

    new = Warehouse(settings)
    assert schema_status(new).current
    assert set(_tables(new)) - set(tables) == {
        "app.portfolio_quarantine",  # revision 0003
        "app.position_events", "raw.splits", "raw.split_checks"}  # revision 0004
    assert _contents(new, tables, columns) == before  # every row kept, unchanged
    with new.connect() as conn:
        assert conn.fetch_dicts("select id, request_id from app.batch_runs") == [
            {"id": "r1", "request_id": None}]
    with TestClient(create_app(settings)) as client:  # starts now
        assert client.get("/readyz").status_code == 200
    new.close()
    close_all_warehouses()
