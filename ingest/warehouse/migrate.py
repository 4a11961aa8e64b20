"""Run and check the schema revisions (Alembic) on DuckDB and PostgreSQL: ``make migrate``.

- :func:`schema_status` — the warehouse's revision and the code's head, read through the
  warehouse's own connection (cheap: one query);
- :func:`upgrade` — apply every pending revision in one transaction (a no-op at head);
- :func:`require_current_schema` — raises :class:`SchemaOutOfDateError` naming both
  revisions and the command to run; :func:`prepare_schema` — what the API and the flows
  call at start-up: creates the schema of an empty warehouse, otherwise requires the head.

Alembic talks SQLAlchemy: PostgreSQL through psycopg, DuckDB through duckdb-engine, with
Alembic's PostgreSQL dialect registered for DuckDB (:class:`DuckDBImpl`). DuckDB refuses
a second handle on the same file with another configuration, so on DuckDB the warehouse's
own handle is released first (the next query reopens it) — upgrades run when a process
starts, never under load. A warehouse created before revisions existed (the baseline
tables, no version table) is stamped at the baseline and upgraded from there; every row is
kept (revisions only add). ``python -m ingest.warehouse.migrate [upgrade|current|check]``.
"""

from __future__ import annotations

import argparse
import functools
import sys
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.ddl.postgresql import PostgresqlImpl
from alembic.script import ScriptDirectory

from ingest.config import get_settings
from ingest.warehouse.connection import Warehouse, get_warehouse
from ingest.warehouse.errors import MissingTableError

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
BASELINE = "0001"
VERSION_TABLE = "alembic_version"


class DuckDBImpl(PostgresqlImpl):
    """Alembic's dialect for duckdb-engine (which ships none): DuckDB speaks PostgreSQL's
    DDL for what the revisions use, with transactional DDL. Defining it registers it."""

    __dialect__ = "duckdb"


class SchemaOutOfDateError(RuntimeError):
    """The warehouse is behind (or ahead of) the code's schema revision."""


@dataclass(frozen=True)
class SchemaStatus:
    revision: str | None  # None: an empty warehouse
    head: str

    @property
    def current(self) -> bool:
        return self.revision == self.head


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


@functools.cache
def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def _has_table(warehouse: Warehouse, sql: str) -> bool:
    try:
        with warehouse.connect() as conn:
            conn.execute(sql)
        return True
    except MissingTableError:
        return False


def current_revision(warehouse: Warehouse) -> str | None:
    """The stored revision; the baseline for a pre-revision warehouse; None when empty."""
    try:
        with warehouse.connect() as conn:
            row = conn.fetch_one(f"select version_num from {VERSION_TABLE}")
        return None if row is None else str(row["version_num"])
    except MissingTableError:
        pre_revision = _has_table(warehouse, "select 1 from app.users limit 1")
        return BASELINE if pre_revision else None


def schema_status(warehouse: Warehouse) -> SchemaStatus:
    return SchemaStatus(current_revision(warehouse), head_revision())


def _engine(warehouse: Warehouse) -> sa.Engine:
    if warehouse.kind == "duckdb":
        warehouse.close()  # one handle per file and configuration: release ours first
        return sa.create_engine(f"duckdb:///{warehouse.settings.duckdb_path}",
                                poolclass=sa.pool.NullPool)
    url = sa.engine.make_url(warehouse.dsn).set(drivername="postgresql+psycopg")
    return sa.create_engine(url, poolclass=sa.pool.NullPool)


def upgrade(warehouse: Warehouse, revision: str = "head") -> SchemaStatus:
    """Apply the pending revisions (one transaction); returns the status afterwards."""
    status = schema_status(warehouse)
    if status.current and revision == "head":
        return status
    engine = _engine(warehouse)
    try:
        with engine.begin() as connection:
            config = alembic_config()
            config.attributes["connection"] = connection
            pre_revision = not sa.inspect(connection).has_table(VERSION_TABLE)
            if pre_revision and status.revision == BASELINE:
                command.stamp(config, BASELINE)
            command.upgrade(config, revision)
    finally:
        engine.dispose()
    return schema_status(warehouse)


def require_current_schema(warehouse: Warehouse) -> SchemaStatus:
    """Raise :class:`SchemaOutOfDateError` unless the warehouse is at the code's head."""
    status = schema_status(warehouse)
    if not status.current:
        found = status.revision or "no schema (an empty warehouse)"
        raise SchemaOutOfDateError(
            f"the warehouse schema is at revision {found}, this code needs {status.head}: "
            f"run `make migrate` (python -m ingest.warehouse.migrate) first")
    return status


def prepare_schema(warehouse: Warehouse, *, create_empty: bool = True) -> SchemaStatus:
    """Start-up check of a server or flow: create the schema of an empty warehouse (when
    ``create_empty``), otherwise require the head revision (never upgrade in place)."""
    if create_empty and current_revision(warehouse) is None:
        return upgrade(warehouse)
    return require_current_schema(warehouse)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Schema revisions of the configured warehouse")
    parser.add_argument("action", nargs="?", default="upgrade",
                        choices=["upgrade", "current", "check"])
    args = parser.parse_args(argv)
    warehouse = get_warehouse(get_settings())
    try:
        if args.action == "upgrade":
            before = schema_status(warehouse)
            after = upgrade(warehouse)
            print(f"schema: {before.revision or 'empty'} -> {after.revision} (head {after.head})")
            return 0
        status = schema_status(warehouse)
        print(f"schema: {status.revision or 'empty'} (head {status.head})")
        return 0 if status.current or args.action == "current" else 1
    finally:
        warehouse.close()


if __name__ == "__main__":
    sys.exit(main())
