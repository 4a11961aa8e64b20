"""An analyst's `dbt build` from the repository root, with no flags, on DuckDB."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb

from flows.dbt_runner import run_dbt
from ingest.config import REPO_ROOT
from ingest.warehouse import Warehouse
from ingest.warehouse.schema import ensure_schema
from tests.conftest import make_settings
from tests.dbt import dataset


def test_dbt_build_from_repo_root_without_flags(tmp_path):
    settings = make_settings("duckdb", tmp_path)
    warehouse = Warehouse(settings)
    ensure_schema(warehouse)
    dataset.load(warehouse)
    warehouse.close()  # release the file: dbt is another process

    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("SIGMASIGHT_", "DBT_"))}
    # profiles.yml reads the DuckDB path from the environment. Target and log
    # directories also go through the environment (not flags) so this test does not
    # write into the shared working tree.
    env |= {"SIGMASIGHT_DUCKDB_PATH": str(settings.duckdb_path),
            "DBT_TARGET_PATH": str(tmp_path / "target"),
            "DBT_LOG_PATH": str(tmp_path / "logs"),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    dbt = Path(sys.executable).parent / "dbt"
    result = subprocess.run([str(dbt), "build"], cwd=REPO_ROOT, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]

    # Default vars: a 90-session window holds every loaded session (34 here).
    with duckdb.connect(str(settings.duckdb_path), read_only=True) as conn:
        days = conn.execute("select count(distinct snapshot_date), min(snapshot_date) "
                            "from marts.fct_portfolio_snapshots where portfolio_id = 1"
                            ).fetchone()
    assert days == (len(dataset.SESSIONS), dataset.SESSIONS[0])


def test_an_analysts_dbt_build_marks_the_marts_changed_for_the_api_cache(tmp_path):
    """The on-run-end hook bumps the warehouse data version (scope 0) once per run."""
    settings = make_settings("duckdb", tmp_path)
    warehouse = Warehouse(settings)
    ensure_schema(warehouse)
    dataset.load(warehouse)
    with warehouse.connect() as conn:
        conn.execute("insert into app.data_version (id, version) values (0, 41)")
    run_dbt(["build", "--select", "tag:stage1"], settings)
    with warehouse.connect() as conn:
        assert conn.fetchall("select version from app.data_version where id = 0") == [(42,)]
    warehouse.close()


def test_the_project_is_parsed_once_per_warehouse_until_a_file_changes(tmp_path):
    """run_dbt hands every invocation the manifest parsed once for the warehouse; a
    changed project file (newer mtime) or another warehouse makes it parse again."""
    from flows import dbt_runner

    first, second = (make_settings("duckdb", tmp_path / name) for name in ("a", "b"))
    common = ["--project-dir", str(REPO_ROOT), "--profiles-dir", str(REPO_ROOT),
              "--target-path", str(tmp_path / "target"), "--quiet"]
    parsed = dbt_runner._parsed_manifest(common, dbt_runner.dbt_env(first))
    assert parsed is not None
    assert dbt_runner._parsed_manifest(common, dbt_runner.dbt_env(first)) is parsed
    other = dbt_runner._parsed_manifest(common, dbt_runner.dbt_env(second))
    assert other is not None
    assert other is not parsed
    assert dbt_runner._parsed_manifest(common, dbt_runner.dbt_env(second)) is other

    model = REPO_ROOT / "dbt_project/models/marts/core/dim_positions.sql"
    times = model.stat()
    try:
        os.utime(model, (times.st_atime, times.st_mtime + 3600))
        again = dbt_runner._parsed_manifest(common, dbt_runner.dbt_env(second))
        assert again is not None
        assert again is not other
    finally:
        os.utime(model, (times.st_atime, times.st_mtime))
