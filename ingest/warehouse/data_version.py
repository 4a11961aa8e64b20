"""The write side of the data versions that the API's response cache keys on.

``app.data_version(id, version, updated_at)`` holds one counter per scope:

- ``id = 0`` (:data:`WAREHOUSE_SCOPE`): the marts and raw market data, bumped by
  :func:`bump_warehouse` at the end of every successful batch (and by dbt's
  ``on-run-end`` hook, ``dbt_project/macros/bump_data_version.sql``, after any
  ``dbt build``, an analyst's included);
- ``id = <user id>``: that user's app data (book, tags, position tags), bumped by
  :func:`bump_user` **inside the transaction of the write**, so the new version and the
  new data commit together.

One counter per scope, not one global row: DuckDB's optimistic concurrency aborts one of
two transactions that update the same row, so a single hot row would make unrelated
concurrent writes fail. Writes of one scope are serialised in this process by
:func:`write_lock`. On PostgreSQL every bump also runs ``pg_notify(CHANNEL, scope)`` in
its transaction (delivered at commit, never for a rolled-back write), which the API's
listener turns into cache invalidations in every API process.

Readers in this process (the API's per-request memo) register with
:func:`on_committed_bump`; :func:`write_lock` calls them after the transaction inside it
has committed. ``python -m ingest.warehouse.data_version`` bumps the warehouse counter
by hand (after a manual change of the marts).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from ingest.warehouse.change_events import DATA_CHANGED, Change, emit
from ingest.warehouse.connection import Connection, Warehouse
from ingest.warehouse.errors import WriteConflictError

WAREHOUSE_SCOPE = 0
CHANNEL = "sigmasight_data_version"

_BUMP = """
    insert into app.data_version (id, version, updated_at)
    values (:scope, 1, current_timestamp)
    on conflict (id) do update set version = app.data_version.version + 1,
                                   updated_at = excluded.updated_at
"""
_NOTIFY = f"select pg_notify('{CHANNEL}', cast(:scope as text))"

_LOCKS: dict[int, threading.Lock] = {}
_LOCKS_GUARD = threading.Lock()
_OBSERVERS: list[Callable[[], None]] = []
_bumped = threading.local()  # (database url, scope) bumped by this thread, not yet announced


def on_committed_bump(observer: Callable[[], None]) -> None:
    """Call ``observer()`` after every bumping write of this process has committed."""
    if observer not in _OBSERVERS:
        _OBSERVERS.append(observer)


@contextmanager
def write_lock(scope: int) -> Iterator[None]:
    """Serialise this process's bumping writes of one scope; hold it around the whole
    transaction. On exit, after the transaction inside has committed (or failed), the
    observers registered with :func:`on_committed_bump` run; after a commit, each bump
    made inside is announced (:mod:`ingest.warehouse.change_events`, live updates)."""
    with _LOCKS_GUARD:
        lock = _LOCKS.setdefault(scope, threading.Lock())
    _bumped.pending = []
    committed = False
    try:
        with lock:
            yield
        committed = True
    finally:
        for observer in tuple(_OBSERVERS):
            observer()
        pending, _bumped.pending = _bumped.pending, []
        for url, bumped_scope in dict.fromkeys(pending) if committed else ():
            emit(Change(DATA_CHANGED, url, scope=bumped_scope))


def bump(conn: Connection, scope: int) -> None:
    """The upsert of ``scope``'s counter inside the caller's transaction, and on
    PostgreSQL the notification (sent when that transaction commits)."""
    conn.execute(_BUMP, {"scope": int(scope)})
    if conn.kind == "postgres":
        conn.execute(_NOTIFY, {"scope": int(scope)})
    getattr(_bumped, "pending", []).append((conn.database_url, int(scope)))


def bump_user(conn: Connection, user_id: int) -> None:
    """Bump ``user_id``'s counter inside the caller's (writing) transaction."""
    bump(conn, int(user_id))


def bump_warehouse(warehouse: Warehouse, attempts: int = 5) -> None:
    """Bump the warehouse counter in its own transaction (end of a batch)."""
    for attempt in range(attempts):
        try:
            with write_lock(WAREHOUSE_SCOPE), warehouse.connect() as conn:
                bump(conn, WAREHOUSE_SCOPE)
            return
        except WriteConflictError:  # a writer outside write_lock raced us
            if attempt == attempts - 1:
                raise
            time.sleep(0.05 * (attempt + 1))


def main() -> None:
    """``python -m ingest.warehouse.data_version``: bump the warehouse counter."""
    from ingest.config import get_settings
    from ingest.warehouse.connection import get_warehouse

    bump_warehouse(get_warehouse(get_settings()))
    print("data version bumped")


if __name__ == "__main__":
    main()
