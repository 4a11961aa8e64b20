"""Shared fixtures: real DuckDB files and real PostgreSQL databases, one per test.

Every warehouse test takes the ``warehouse`` (or ``settings``) fixture, which is
parametrised over ``duckdb`` and ``postgres``. PostgreSQL runs on 127.0.0.1:5432
(trust auth, user postgres); each test gets a fresh database that is dropped
afterwards. When PostgreSQL is unreachable its tests are skipped, unless
``SIGMASIGHT_REQUIRE_POSTGRES=1`` (set by CI), where they fail.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from ingest.config import Settings, get_settings
from ingest.warehouse import Warehouse
from ingest.warehouse.schema import ensure_schema

PG_ADMIN_DSN = os.environ.get("SIGMASIGHT_TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")
WAREHOUSE_KINDS = ["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)]


def _postgres_unavailable_reason() -> str | None:
    try:
        with psycopg.connect(PG_ADMIN_DSN, connect_timeout=3):
            return None
    except psycopg.OperationalError as error:
        return f"PostgreSQL not reachable at {PG_ADMIN_DSN}: {error}"


def require_postgres() -> None:
    """Skip (locally) or fail (CI) when the PostgreSQL server is not there."""
    reason = _postgres_unavailable_reason()
    if reason is None:
        return
    if os.environ.get("SIGMASIGHT_REQUIRE_POSTGRES") == "1":
        pytest.fail(reason)
    pytest.skip(reason)


def create_postgres_database() -> str:
    """Create an empty database; returns its URL."""
    name = f"sigmasight_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
        conn.execute(f'create database "{name}"')
    return PG_ADMIN_DSN.rsplit("/", 1)[0] + f"/{name}"


def drop_postgres_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
        conn.execute(f'drop database if exists "{name}" with (force)')


def make_settings(kind: str, directory: Path, **overrides) -> Settings:
    """Settings for a throw-away warehouse of ``kind`` whose data lives in ``directory``."""
    if kind == "postgres":
        require_postgres()
        url = create_postgres_database()
    else:
        url = f"duckdb:///{directory / 'warehouse.duckdb'}"
    return Settings(
        environment="test",
        data_dir=directory,
        database_url=url,
        duckdb_idle_release_seconds=0,
        # far above what a test sends; tests/api/test_rate_limit.py sets its own
        **{"rate_limit": "100000/minute", **overrides},
    )


def dispose_settings(settings: Settings) -> None:
    if settings.warehouse_kind == "postgres":
        drop_postgres_database(settings.database_url)


@pytest.fixture(params=WAREHOUSE_KINDS)
def warehouse_kind(request) -> str:
    return request.param


@pytest.fixture
def settings(warehouse_kind: str, tmp_path: Path) -> Iterator[Settings]:
    """Settings pointing at a fresh, empty warehouse of each kind."""
    settings = make_settings(warehouse_kind, tmp_path)
    yield settings
    dispose_settings(settings)


@pytest.fixture
def warehouse(settings: Settings) -> Iterator[Warehouse]:
    """A fresh warehouse of each kind with the app/raw/analytics schemas created."""
    warehouse = Warehouse(settings)
    ensure_schema(warehouse)
    yield warehouse
    warehouse.close()


@pytest.fixture(autouse=True)
def _isolated_global_settings(monkeypatch, tmp_path) -> Iterator[None]:
    """Code that falls back to get_settings() must never touch the developer's data dir."""
    monkeypatch.setenv("SIGMASIGHT_DATA_DIR", str(tmp_path / "default-data"))
    monkeypatch.setenv("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()
