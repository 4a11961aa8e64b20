"""Run dbt in-process against the configured warehouse; a dbt failure raises.

dbt reads its target from environment variables (see ``profiles.yml``); this module
derives them from :class:`~ingest.config.Settings`. Invocations are serialised in
this process (dbt keeps global state), and on DuckDB they share the process's
database instance, so the API process can run the pipeline while it serves.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import sqlalchemy as sa
from dbt.cli.main import dbtRunner, dbtRunnerResult
from dbt.contracts.graph.manifest import Manifest

from ingest.config import REPO_ROOT, Settings

_DBT_LOCK = threading.Lock()
_MANIFESTS: dict[tuple, Manifest] = {}  # (dbt environment, project fingerprint) -> parsed


class DbtError(RuntimeError):
    """``dbt`` returned a failure (a model error or a failing data test).

    ``built`` names the models dbt rebuilt before it stopped (they are live);
    ``failed_tests`` holds ``(test name, compiled SQL)`` of each failing data test (the
    SQL selects the failing rows).
    """

    def __init__(self, message: str, built: Sequence[str] = (),
                 failed_tests: Sequence[tuple[str, str]] = ()):
        super().__init__(message)
        self.built = list(built)
        self.failed_tests = list(failed_tests)


def dbt_target(settings: Settings) -> str:
    """The profile target dbt builds in: ``settings.dbt_target``, else the warehouse's kind."""
    return settings.dbt_target or settings.warehouse_kind


def dbt_env(settings: Settings) -> dict[str, str]:
    """The environment variables ``profiles.yml`` reads, for ``settings``' warehouse."""
    if dbt_target(settings) == "spark":
        return {
            "SIGMASIGHT_DBT_TARGET": "spark",
            "SIGMASIGHT_SPARK_MASTER": settings.spark_master,
            "SIGMASIGHT_SPARK_DRIVER_HOST": settings.spark_driver_host,
            "SIGMASIGHT_SPARK_DIR": str(settings.spark_root),
        }
    if settings.warehouse_kind == "duckdb":
        return {
            "SIGMASIGHT_DBT_TARGET": "duckdb",
            "SIGMASIGHT_DUCKDB_PATH": str(settings.duckdb_path),
        }
    url = sa.engine.make_url(settings.database_url)
    return {
        "SIGMASIGHT_DBT_TARGET": "postgres",
        "SIGMASIGHT_PG_HOST": url.host or "127.0.0.1",
        "SIGMASIGHT_PG_PORT": str(url.port or 5432),
        "SIGMASIGHT_PG_USER": url.username or "postgres",
        "SIGMASIGHT_PG_PASSWORD": url.password or "",
        "SIGMASIGHT_PG_DBNAME": url.database or "sigmasight",
    }


@contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def run_dbt(args: Sequence[str], settings: Settings) -> dbtRunnerResult:
    """Invoke ``dbt <args>`` for ``settings``' warehouse; raise :class:`DbtError` on failure."""
    common = _common_args(settings)
    environment = dbt_env(settings)
    with _DBT_LOCK, _environment(environment):
        try:
            manifest = None if "--vars" in args else _parsed_manifest(common, environment)
            result = dbtRunner(manifest=manifest).invoke([*args, *common])
        finally:
            if dbt_target(settings) == "duckdb":
                _release_duckdb_file()
    if not result.success:
        raise DbtError(f"dbt {' '.join(args)} failed: {_failures(result)}", _built(result),
                       _failed_tests(result))
    return result


def parsed_manifest(settings: Settings) -> Manifest:
    """The project as parsed for ``settings``' target (cached per process, see
    :func:`_parsed_manifest`); raises :class:`DbtError` when it does not parse."""
    common = _common_args(settings)
    environment = dbt_env(settings)
    with _DBT_LOCK, _environment(environment):
        manifest = _parsed_manifest(common, environment)
    if manifest is None:
        raise DbtError("dbt parse failed: see the dbt log")
    return manifest


def _common_args(settings: Settings) -> list[str]:
    target_dir = settings.data_dir / "dbt" / dbt_target(settings)
    return [
        "--project-dir", str(REPO_ROOT),
        "--profiles-dir", str(REPO_ROOT),
        "--target-path", str(target_dir / "target"),
        "--log-path", str(target_dir / "logs"),
        "--quiet",
    ]


def _project_fingerprint() -> tuple[float, int]:
    """Newest modification time and count of the project's files (models, macros, tests,
    seeds and the two YAML files): a change anywhere makes a cached manifest stale."""
    files = [path for path in (REPO_ROOT / "dbt_project").rglob("*") if path.is_file()]
    files += [REPO_ROOT / "dbt_project.yml", REPO_ROOT / "profiles.yml"]
    return max(path.stat().st_mtime for path in files), len(files)


def _parsed_manifest(common: list[str], environment: dict[str, str]) -> Manifest | None:
    """The project parsed once per process and warehouse (``dbt parse``) and handed to
    every later invocation, so a batch's stage 1 and stage 2 and every later batch skip
    parsing. ``--vars`` change what parsing produces: such invocations parse themselves.
    None (the invocation then parses and reports any problem) when parsing fails."""
    key = (tuple(sorted(environment.items())), _project_fingerprint())
    if key not in _MANIFESTS:
        parsed = dbtRunner().invoke(["parse", *common])
        if not parsed.success or not isinstance(parsed.result, Manifest):
            return None
        _MANIFESTS.clear()  # one warehouse per serving process; bounded memory in tests
        _MANIFESTS[key] = parsed.result
    return _MANIFESTS[key]


def _release_duckdb_file() -> None:
    """Close dbt-duckdb's cached database connection (a class-level singleton that
    otherwise keeps the DuckDB file locked by this process after dbt returns), so the
    file is released when the warehouse handle is idle (README: an analyst's
    ``dbt build`` works while the API is idle)."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    with DuckDBConnectionManager._LOCK:
        if DuckDBConnectionManager._ENV is not None:
            DuckDBConnectionManager._ENV.close()
            DuckDBConnectionManager._ENV = None


def _built(result: dbtRunnerResult) -> list[str]:
    """The models of the invocation that were built successfully."""
    return sorted(
        item.node.name for item in getattr(result.result, "results", []) or []
        if str(getattr(item.node, "resource_type", "")) == "model"
        and str(item.status) == "success")


def _failed_tests(result: dbtRunnerResult) -> list[tuple[str, str]]:
    """``(name, compiled SQL)`` of the data tests that failed."""
    return [
        (item.node.name, item.node.compiled_code)
        for item in getattr(result.result, "results", []) or []
        if str(getattr(item.node, "resource_type", "")) == "test"
        and str(item.status) in {"fail", "error"}
        and getattr(item.node, "compiled_code", None)]


def _failures(result: dbtRunnerResult) -> str:
    if result.exception is not None:
        return repr(result.exception)
    messages = [
        f"{item.node.name}: {item.message}"
        for item in getattr(result.result, "results", []) or []
        if str(item.status) in {"error", "fail", "runtime error"}
    ]
    return "; ".join(messages) or "see the dbt log"
