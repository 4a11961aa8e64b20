"""Fixtures and counters of the reliability suite (bad input, faults, concurrency, fuzzing).

``rel_env`` is a fully built warehouse per kind (DuckDB, PostgreSQL) for this suite,
built once per session exactly like the API tests' ``env`` (demo users seeded,
demo_user_1's book uploaded through ``POST /portfolio/upload`` and backfilled).
Tests that change it (concurrency) leave it consistent and built.

``COUNTS`` collects what the issue asks to report (bad inputs tried, requests fuzzed,
concurrent requests served, faults injected, ...); ``pytest_terminal_summary`` prints
them at the end of the run, no ``-s`` needed.
"""

from __future__ import annotations

import hashlib
import threading
from collections import Counter
from collections.abc import Iterator

import pytest

from ingest.warehouse import Warehouse
from tests.api.conftest import ApiBuilds, ApiEnv

KINDS = ["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)]
SNAPSHOT_SCHEMAS = ("app", "raw", "marts")

COUNTS: Counter[str] = Counter()
_COUNTS_LOCK = threading.Lock()


def count(name: str, n: int = 1) -> None:
    with _COUNTS_LOCK:
        COUNTS[name] += n


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    if not COUNTS:
        return
    terminalreporter.section("reliability counts")
    for name in sorted(COUNTS):
        terminalreporter.write_line(f"{name}: {COUNTS[name]}")


# --- warehouse snapshots ----------------------------------------------------------------

def table_names(warehouse: Warehouse, schemas=SNAPSHOT_SCHEMAS) -> list[str]:
    names = ", ".join(f"'{s}'" for s in schemas)
    with warehouse.connect() as conn:
        rows = conn.fetchall(
            "select table_schema, table_name from information_schema.tables "
            f"where table_schema in ({names}) and table_type = 'BASE TABLE' "
            "order by table_schema, table_name")
    return [f"{schema}.{name}" for schema, name in rows]


def table_digests(warehouse: Warehouse, schemas=SNAPSHOT_SCHEMAS,
                  skip_audit_times: bool = False) -> dict[str, tuple[int, str]]:
    """Per table: row count and a SHA-256 over its rows (sorted), i.e. its contents.

    ``skip_audit_times`` compares two *builds* of the same data: it leaves out ``*_at``
    columns (when a row was computed) and rounds floats to 10 significant digits
    (DuckDB's parallel aggregates sum in no fixed order: rebuilds differ in the last
    bit, e.g. 7369.8303799244095 vs 7369.830379924411).
    """

    def value(v):
        return f"{v:.10g}" if skip_audit_times and isinstance(v, float) else v

    digests: dict[str, tuple[int, str]] = {}
    tables = table_names(warehouse, schemas)
    with warehouse.connect() as conn:
        for table in tables:
            rows = conn.fetch_dicts(f"select * from {table}")
            lines = sorted(repr([(k, value(v)) for k, v in row.items()
                                 if not (skip_audit_times and k.endswith("_at"))])
                           for row in rows)
            digest = hashlib.sha256("\n".join(lines).encode()).hexdigest()
            digests[table] = (len(rows), digest)
    return digests


def changed_tables(before: dict, after: dict) -> dict[str, tuple]:
    return {name: (before.get(name), after.get(name))
            for name in sorted(set(before) | set(after)) if before.get(name) != after.get(name)}


# --- the shared built warehouse ---------------------------------------------------------

@pytest.fixture(scope="session")
def rel_builds(tmp_path_factory) -> Iterator[ApiBuilds]:
    builds = ApiBuilds(tmp_path_factory, prefix="reliability")
    yield builds
    builds.close()


@pytest.fixture(params=KINDS)
def rel_env(request, rel_builds) -> ApiEnv:
    """The built warehouse of each kind for this suite (kept consistent by every test)."""
    return rel_builds.get(request.param)
