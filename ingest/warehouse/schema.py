"""The schema of the tables the project owns (app, raw, analytics; dbt owns the marts).

Versioned by Alembic revisions (:mod:`ingest.warehouse.migrations`, run by
:mod:`ingest.warehouse.migrate`). The baseline revision runs the DDL files in ``sql/``
beside this module: ``app.sql`` (users, portfolios, tags, batch runs, ...), ``raw.sql``
(what the loaders write), ``analytics.sql`` (what the risk step writes) and the others
alphabetically. Those files are frozen (a test pins them): a change is a new revision.

:func:`ensure_schema` (tests, demos, benches) brings a warehouse to the latest revision;
servers check instead (:func:`ingest.warehouse.migrate.require_current_schema`).
"""

from __future__ import annotations

from pathlib import Path

from ingest.warehouse.connection import Warehouse

DDL_DIRECTORY = Path(__file__).resolve().parent / "sql"
DDL_ORDER = ("app.sql", "raw.sql", "analytics.sql")


def ddl_files() -> list[Path]:
    """The DDL files in execution order: app, raw, analytics, then any other alphabetically."""
    files = sorted(DDL_DIRECTORY.glob("*.sql"))
    return sorted(files, key=lambda p: (DDL_ORDER.index(p.name) if p.name in DDL_ORDER else 99))


def split_statements(sql: str) -> list[str]:
    """Split a DDL file on ``;`` at line ends; ``--`` comments are dropped."""
    lines = [line.split("--", 1)[0] for line in sql.splitlines()]
    return [part.strip() for part in "\n".join(lines).split(";") if part.strip()]


def baseline_statements() -> list[str]:
    """Every statement of the baseline revision, in order."""
    return [s for path in ddl_files() for s in split_statements(path.read_text())]


def ensure_schema(warehouse: Warehouse) -> None:
    """Bring the warehouse to the latest revision (a no-op when it is there already)."""
    from ingest.warehouse.migrate import upgrade  # the migrations import this module

    upgrade(warehouse)
