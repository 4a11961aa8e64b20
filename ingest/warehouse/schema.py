"""Create the app, raw and analytics schemas (idempotent, portable DDL).

The DDL of every table the project owns (dbt owns the marts) lives in ``sql/`` beside
this module: ``app.sql`` (users, portfolios, tags, batch runs, ...), ``raw.sql`` (what the
loaders write) and ``analytics.sql`` (what the risk step writes).
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


def ensure_schema(warehouse: Warehouse) -> None:
    """Create every schema, sequence and table that does not exist yet."""
    statements = [s for path in ddl_files() for s in split_statements(path.read_text())]
    warehouse.execute_script(statements)
