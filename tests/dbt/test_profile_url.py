"""``dbt`` from the repository root follows ``SIGMASIGHT_DATABASE_URL`` alone."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ingest.config import REPO_ROOT
from tests.conftest import create_postgres_database, drop_postgres_database, require_postgres

DBT = str(Path(sys.executable).with_name("dbt"))


def _dbt_debug(url: str) -> str:
    env = {name: value for name, value in os.environ.items()
           if not name.startswith(("SIGMASIGHT_PG_", "SIGMASIGHT_DBT_", "SIGMASIGHT_DUCKDB"))}
    env["SIGMASIGHT_DATABASE_URL"] = url
    result = subprocess.run([DBT, "debug", "--no-use-colors"], cwd=REPO_ROOT, env=env,
                            capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stdout[-3000:]
    return result.stdout


@pytest.mark.postgres
def test_a_postgres_url_selects_and_configures_the_postgres_target():
    require_postgres()
    url = create_postgres_database()
    try:
        out = _dbt_debug(url + "?sslmode=disable")
    finally:
        drop_postgres_database(url)
    assert "adapter type: postgres" in out
    assert f"database: {url.rsplit('/', 1)[1]}" in out
    assert "host: 127.0.0.1" in out
    assert "user: postgres" in out
    assert "All checks passed" in out


def test_a_duckdb_url_selects_the_duckdb_file(tmp_path):
    out = _dbt_debug(f"duckdb:///{tmp_path / 'w.duckdb'}")
    assert "adapter type: duckdb" in out
    assert f"path: {tmp_path / 'w.duckdb'}" in out
