"""The warehouse layer's own exceptions: callers never see a driver's exception classes.

:class:`~ingest.warehouse.connection.Connection` translates DuckDB's and psycopg's
errors into these at the point where a statement runs, so the layers above (the API in
particular) can handle "the table is not built yet" or "that name is taken" without
importing ``duckdb`` or ``psycopg``. Anything not listed here propagates unchanged.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import duckdb
import psycopg


class WarehouseError(RuntimeError):
    """Base class of the errors below."""


class WarehouseBusyError(WarehouseError):
    """The DuckDB file is locked by another process for longer than the timeout."""


class WarehouseUnavailableError(WarehouseError):
    """The database server cannot be reached, or the connection was lost mid-statement."""


class MissingTableError(WarehouseError):
    """A statement referred to a table (or column) that does not exist yet, e.g. a mart
    before the first ``dbt build``."""


class IntegrityError(WarehouseError):
    """An insert or update broke a constraint (not null, check, unique, ...)."""


class UniqueViolationError(IntegrityError):
    """An insert or update broke a unique (or primary key) constraint."""


class WriteConflictError(WarehouseError):
    """Two transactions updated the same row at once and this one was aborted (DuckDB's
    optimistic concurrency); retrying the transaction is safe."""


_TRANSLATIONS: tuple[tuple[type[BaseException] | tuple[type[BaseException], ...],
                           type[WarehouseError]], ...] = (
    ((duckdb.CatalogException, psycopg.errors.UndefinedTable,
      psycopg.errors.UndefinedColumn), MissingTableError),
    (psycopg.errors.UniqueViolation, UniqueViolationError),
    (psycopg.errors.IntegrityError, IntegrityError),
    (duckdb.TransactionException, WriteConflictError),
    (psycopg.OperationalError, WarehouseUnavailableError),
)


def _duckdb_constraint(error: duckdb.ConstraintException) -> type[IntegrityError]:
    """DuckDB has one class for every constraint: its message tells a duplicate key."""
    message = str(error).lower()
    return UniqueViolationError if "duplicate key" in message or "unique" in message \
        else IntegrityError


@contextmanager
def translated_errors() -> Iterator[None]:
    """Re-raise a driver's error as the matching :class:`WarehouseError` (chained)."""
    try:
        yield
    except WarehouseError:
        raise
    except Exception as error:
        if isinstance(error, duckdb.ConstraintException):
            raise _duckdb_constraint(error)(str(error)) from error
        for driver_errors, ours in _TRANSLATIONS:
            if isinstance(error, driver_errors):
                raise ours(str(error)) from error
        raise
