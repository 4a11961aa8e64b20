"""Small helpers shared by the query modules."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from ingest.warehouse import Connection


def consistent_reads(conn: Connection) -> None:
    """Make the following statements of this transaction read one snapshot.

    DuckDB transactions are snapshots already; PostgreSQL's default (read committed)
    could see a dbt rebuild land between two statements of one response.
    """
    if conn.kind == "postgres":
        conn.execute("set transaction isolation level repeatable read")


def in_list(prefix: str, values: Sequence[Any]) -> tuple[str, dict[str, Any]]:
    """``(:prefix_0, :prefix_1, ...)`` and its parameters, for ``x in (...)``."""
    names = [f"{prefix}_{index}" for index in range(len(values))]
    return "(" + ", ".join(f":{name}" for name in names) + ")", dict(zip(names, values,
                                                                      strict=True))


def floats(row: dict[str, Any], columns: Iterable[str]) -> dict[str, Any]:
    """``row`` with ``columns`` as plain floats (None stays None)."""
    return {**row, **{c: (None if row.get(c) is None else float(row[c])) for c in columns}}
