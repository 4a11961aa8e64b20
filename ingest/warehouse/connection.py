"""One small data-access layer over the two warehouses (DuckDB and PostgreSQL).

SQL is written once with ``:name`` parameters; the layer turns them into each
driver's placeholder style. Every ``connect()`` block is one transaction: it
commits when the block ends and rolls back when it raises.

DuckDB allows one writing process per file. This process keeps one shared
database handle (cursors per thread) and releases it after
``duckdb_idle_release_seconds`` without use, so that an analyst's ``dbt build``
can take the file while the API is idle. When another process holds the file,
opening retries until ``duckdb_lock_timeout_seconds`` and then raises
:class:`~ingest.warehouse.errors.WarehouseBusyError`. Driver errors are raised as the
layer's own (:mod:`ingest.warehouse.errors`).
"""

from __future__ import annotations

import io
import re
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

import duckdb
import pandas as pd
import sqlalchemy as sa

from ingest.config import Settings, get_settings
from ingest.warehouse.errors import (
    WarehouseBusyError,
    WarehouseUnavailableError,
    translated_errors,
)

Params = Mapping[str, Any] | None
_PARAM = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")


def driver_sql(kind: Literal["duckdb", "postgres"], sql: str) -> str:
    """``sql`` with ``:name`` parameters in the driver's style (``$name`` / ``%(name)s``)."""
    if kind == "duckdb":
        return _PARAM.sub(r"$\1", sql)
    return _PARAM.sub(r"%(\1)s", sql.replace("%", "%%"))


def in_list(prefix: str, values: Sequence[Any]) -> tuple[str, dict[str, Any]]:
    """``(:prefix_0, :prefix_1, ...)`` and its parameters, for ``x in (...)``; an empty
    list gives ``(null)``, which matches nothing."""
    names = [f"{prefix}_{index}" for index in range(len(values))]
    clause = ", ".join(f":{name}" for name in names) or "null"
    return f"({clause})", dict(zip(names, values, strict=True))


class Connection:
    """A cursor inside one transaction, with the few verbs the project needs."""

    def __init__(self, kind: Literal["duckdb", "postgres"], cursor: Any,
                 database_url: str = ""):
        self.kind = kind
        self.database_url = database_url  # which warehouse (for change notices)
        self._cursor = cursor

    def _bind(self, sql: str, params: Params) -> tuple[str, dict[str, Any] | None]:
        """``sql`` in the driver's style and the parameters it references (DuckDB refuses
        unused named parameters, so callers may pass a superset)."""
        if not params:
            return sql, None
        names = set(_PARAM.findall(sql))
        used = {name: value for name, value in params.items() if name in names}
        return (driver_sql(self.kind, sql), used) if used else (sql, None)

    def execute(self, sql: str, params: Params = None) -> None:
        with translated_errors():
            self._cursor.execute(*self._bind(sql, params))

    def fetchall(self, sql: str, params: Params = None) -> list[tuple]:
        self.execute(sql, params)
        return [tuple(row) for row in self._cursor.fetchall()]

    def fetch_dicts(self, sql: str, params: Params = None) -> list[dict[str, Any]]:
        self.execute(sql, params)
        names = [column[0] for column in self._cursor.description]
        return [dict(zip(names, row, strict=True)) for row in self._cursor.fetchall()]

    def fetch_one(self, sql: str, params: Params = None) -> dict[str, Any] | None:
        rows = self.fetch_dicts(sql, params)
        return rows[0] if rows else None

    def fetch_df(self, sql: str, params: Params = None) -> pd.DataFrame:
        """Query into a DataFrame; date columns come back as ``datetime64``."""
        if self.kind == "duckdb":
            with translated_errors():
                return self._cursor.execute(*self._bind(sql, params)).df()
        self.execute(sql, params)
        names = [column[0] for column in self._cursor.description]
        frame = pd.DataFrame(self._cursor.fetchall(), columns=names)
        for column, description in zip(names, self._cursor.description, strict=True):
            if description.type_code == 1082 and len(frame):  # PostgreSQL OID of DATE
                frame[column] = pd.to_datetime(frame[column])
        return frame

    def insert_df(self, table: str, frame: pd.DataFrame) -> int:
        """Bulk insert ``frame`` (columns by name) into ``table``; returns the row count.

        DuckDB scans the DataFrame directly; PostgreSQL receives one CSV ``COPY``.
        """
        if frame.empty:
            return 0
        with translated_errors():
            return self._insert_df(table, frame)

    def _insert_df(self, table: str, frame: pd.DataFrame) -> int:
        columns = ", ".join(frame.columns)
        if self.kind == "duckdb":
            # DuckDB's replacement scan reads this local by name. (A registered view would
            # stay in the catalog, holding the frame, until the transaction ends: a step
            # inserting frame after frame in one transaction would keep them all.)
            sigmasight_insert_frame = frame  # noqa: F841
            self._cursor.execute(f"insert into {table} ({columns}) "
                                 f"select {columns} from sigmasight_insert_frame")
            return len(frame)
        buffer = io.StringIO()
        frame.to_csv(buffer, index=False, header=False, na_rep="\\N")
        copy_sql = f"copy {table} ({columns}) from stdin with (format csv, null '\\N')"
        with self._cursor.copy(copy_sql) as copy:
            copy.write(buffer.getvalue())
        return len(frame)


class _DuckDBHandle:
    """One shared DuckDB database handle per file in this process, released when idle."""

    def __init__(self, path: Path, lock_timeout: float, idle_release: float):
        self.path = path
        self.lock_timeout = lock_timeout
        self.idle_release = idle_release
        self._lock = threading.Lock()
        self._root: duckdb.DuckDBPyConnection | None = None
        self._users = 0
        self._last_release = 0.0
        self._timer: threading.Timer | None = None

    def _open(self) -> duckdb.DuckDBPyConnection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        deadline = time.monotonic() + self.lock_timeout
        delay = 0.05
        while True:
            try:
                return duckdb.connect(str(self.path))
            except duckdb.IOException as error:
                if "lock" not in str(error).lower() or time.monotonic() >= deadline:
                    if "lock" in str(error).lower():
                        raise WarehouseBusyError(
                            f"DuckDB file {self.path} is locked by another process"
                        ) from error
                    raise
                time.sleep(delay)
                delay = min(delay * 2, 1.0)

    @contextmanager
    def cursor(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with self._lock:
            if self._root is None:
                self._root = self._open()
            self._users += 1
            cursor = self._root.cursor()
        try:
            yield cursor
        finally:
            cursor.close()
            with self._lock:
                self._users -= 1
                self._schedule_release()

    def _schedule_release(self) -> None:
        if self.idle_release <= 0 or self._users:
            return
        if self._timer is not None:
            self._timer.cancel()
        self._timer = threading.Timer(self.idle_release, self._release_if_idle)
        self._timer.daemon = True
        self._timer.start()

    def _release_if_idle(self) -> None:
        with self._lock:
            if self._users == 0 and self._root is not None:
                self._root.close()
                self._root = None

    def close(self) -> None:
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
            if self._root is not None:
                self._root.close()
                self._root = None


class Warehouse:
    """Entry point to the configured warehouse: ``with wh.connect() as conn: ...``."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.kind: Literal["duckdb", "postgres"] = settings.warehouse_kind
        self._duckdb: _DuckDBHandle | None = None
        self._engine: sa.Engine | None = None
        if self.kind == "duckdb":
            self._duckdb = _DuckDBHandle(
                settings.duckdb_path,
                settings.duckdb_lock_timeout_seconds,
                settings.duckdb_idle_release_seconds,
            )
        else:
            url = sa.engine.make_url(settings.database_url).set(drivername="postgresql+psycopg")
            self._engine = sa.create_engine(url, pool_size=8, max_overflow=8, pool_pre_ping=True)

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        """One transaction: commit on success, roll back on any exception."""
        if self._duckdb is not None:
            with self._duckdb.cursor() as cursor:
                cursor.execute("begin transaction")
                try:
                    yield Connection("duckdb", cursor, self.settings.database_url)
                except BaseException:
                    cursor.execute("rollback")
                    raise
                with translated_errors():
                    cursor.execute("commit")
            return
        assert self._engine is not None
        try:
            with translated_errors():  # psycopg's own OperationalError on a first connect
                raw = self._engine.raw_connection()
        except sa.exc.DBAPIError as error:
            raise WarehouseUnavailableError(f"PostgreSQL is unreachable: {error.orig}") from error
        try:
            assert raw.driver_connection is not None
            cursor = raw.driver_connection.cursor()
            try:
                yield Connection("postgres", cursor, self.settings.database_url)
            except BaseException:
                raw.rollback()
                raise
            with translated_errors():
                raw.commit()
        finally:
            raw.close()

    def execute_script(self, statements: Sequence[str]) -> None:
        """Run several statements in one transaction."""
        with self.connect() as conn:
            for statement in statements:
                conn.execute(statement)

    @property
    def dsn(self) -> str:
        """The libpq connection string of a PostgreSQL warehouse (no SQLAlchemy driver)."""
        return re.sub(r"^postgresql\+\w+://", "postgresql://", self.settings.database_url)

    def close(self) -> None:
        """Release the DuckDB file or dispose of the PostgreSQL pool."""
        if self._duckdb is not None:
            self._duckdb.close()
        if self._engine is not None:
            self._engine.dispose()


_WAREHOUSES: dict[str, Warehouse] = {}
_WAREHOUSES_LOCK = threading.Lock()


def get_warehouse(settings: Settings | None = None) -> Warehouse:
    """The process-wide warehouse for ``settings.database_url`` (default settings)."""
    settings = settings or get_settings()
    with _WAREHOUSES_LOCK:
        warehouse = _WAREHOUSES.get(settings.database_url)
        if warehouse is None:
            warehouse = _WAREHOUSES[settings.database_url] = Warehouse(settings)
        return warehouse


def close_all_warehouses() -> None:
    """Close every cached warehouse (end of a CLI run, or between tests)."""
    with _WAREHOUSES_LOCK:
        for warehouse in _WAREHOUSES.values():
            warehouse.close()
        _WAREHOUSES.clear()
