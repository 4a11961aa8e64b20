"""Create the app, raw and analytics schemas (idempotent, portable DDL).

The DDL lives in ``*.sql`` files beside the code that owns each schema:
``ingest/sql/`` (app, raw) and ``python_models/sql/`` (analytics).
"""

from __future__ import annotations

from pathlib import Path

from ingest.config import REPO_ROOT
from ingest.warehouse import Warehouse

DDL_DIRECTORIES = (REPO_ROOT / "ingest" / "sql", REPO_ROOT / "python_models" / "sql")
DDL_ORDER = ("app.sql", "raw.sql")


def ddl_files() -> list[Path]:
    """The DDL files in execution order: app, raw, then the rest alphabetically."""
    files = [path for directory in DDL_DIRECTORIES for path in sorted(directory.glob("*.sql"))]
    return sorted(files, key=lambda p: (DDL_ORDER.index(p.name) if p.name in DDL_ORDER else 99))


def split_statements(sql: str) -> list[str]:
    """Split a DDL file on ``;`` at line ends; ``--`` comments are dropped."""
    lines = [line.split("--", 1)[0] for line in sql.splitlines()]
    return [part.strip() for part in "\n".join(lines).split(";") if part.strip()]


def ensure_schema(warehouse: Warehouse) -> None:
    """Create every schema, sequence and table that does not exist yet."""
    statements = [s for path in ddl_files() for s in split_statements(path.read_text())]
    warehouse.execute_script(statements)
