"""Small helpers shared by the query modules."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ingest.warehouse import Connection, in_list

__all__ = ["consistent_reads", "floats", "in_list"]


def consistent_reads(conn: Connection) -> None:
    """Make the following statements of this transaction read one snapshot.

    DuckDB transactions are snapshots already; PostgreSQL's default (read committed)
    could see a dbt rebuild land between two statements of one response.
    """
    if conn.kind == "postgres":
        conn.execute("set transaction isolation level repeatable read")


def floats(row: dict[str, Any], columns: Iterable[str]) -> dict[str, Any]:
    """``row`` with ``columns`` as plain floats (None stays None)."""
    return {**row, **{c: (None if row.get(c) is None else float(row[c])) for c in columns}}
