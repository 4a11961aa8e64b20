"""The warehouse "data version": what the response cache (:mod:`api.cache`) keys on.

``app.data_version(id, version, updated_at)`` holds one counter per scope:

- ``id = 0`` (:data:`WAREHOUSE_SCOPE`): the marts and raw market data, bumped by
  :func:`bump_warehouse` at the end of every successful pipeline run
  (``flows.pipeline.run_pipeline``);
- ``id = <user id>``: that user's app data (book, tags, position tags), bumped by
  :func:`bump_user` **inside the transaction of the write** (tag CRUD, position tags,
  CSV uploads through the API), so the new version and the new data commit together.

What a user's GET shows depends only on the warehouse scope and their own scope (tags,
books and portfolios are per user), so a request reads both counters
(:func:`read_request_state`, one query that also loads the user) **before** it reads
any data. A body is cached under the versions read before it was computed; a write
commits its data and its bump atomically, so a body computed from old data can only be
stored under an old version, never under the new one (an old version is never read
again once the bump is committed; versions only grow).

One counter per scope, not one global row: DuckDB's optimistic concurrency aborts one
of two transactions that update the same row ("Conflict on update"), so a single hot
row would make unrelated concurrent writes fail. Writes of one scope are also
serialised in this process by :func:`write_lock` (on DuckDB every writer is in this
process; on PostgreSQL the row lock already serialises them).

**Reading the versions.** On DuckDB one query costs about a millisecond of CPU, so
:func:`current_state` keeps each user's :class:`RequestState` in memory for at most
100 ms. That is exact, not merely "fresh enough": while this process has the DuckDB
file open no other process can open it, so every write is made by this process, and
every bumping write here ends inside :func:`write_lock`, which forgets the remembered
states *after* the transaction committed (a read that raced with the commit is not
remembered: a generation counter is checked before storing). The file is released only
after ``duckdb_idle_release_seconds`` (default 2 s) without use, longer than the 100
ms, so a state remembered before another process could have written has always expired
(with a release interval under 100 ms nothing is remembered).

On PostgreSQL any process may write, so every bump also runs
``select pg_notify('sigmasight_data_version', '<scope id>')`` in its transaction
(delivered at commit, never for a rolled-back write). Each API process runs one
:class:`_Listener` thread per database (a dedicated autocommit connection doing
``LISTEN sigmasight_data_version``) that forgets the remembered states of the notified
scope (a user, or everything for scope 0) and bumps the generation counter, so a state
read before the notification arrived is never stored after it. States are remembered
on PostgreSQL (for at most :data:`PG_MEMO_SECONDS`, a safety net) **only while the
listener is connected**: on (re)connect everything is forgotten and remembering starts
only once ``LISTEN`` succeeded; when its connection drops nothing is remembered (every
request reads the versions, as without the listener) until it is back. A bump
committed by another process is therefore seen as soon as its notification reaches
this process (milliseconds; its own writes, through :func:`write_lock`, at once).

A ``dbt build`` run by hand (outside ``run_pipeline``) bumps scope 0 too: the
project's ``on-run-end`` hook (``dbt_project/macros/bump_data_version.sql``) runs the
same upsert, and on PostgreSQL the same notification, at the end of every dbt
invocation.
"""

from __future__ import annotations

import logging
import queue
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import duckdb
import psycopg
from psycopg.rows import dict_row

from flows.batch_runs import BATCH_RUN_CHANNEL
from ingest.change_events import DATA_CHANGED, Change, emit
from ingest.warehouse import Connection, Warehouse

log = logging.getLogger(__name__)

WAREHOUSE_SCOPE = 0
CHANNEL = "sigmasight_data_version"

_BUMP = """
    insert into app.data_version (id, version, updated_at)
    values (:scope, 1, current_timestamp)
    on conflict (id) do update set version = app.data_version.version + 1,
                                   updated_at = excluded.updated_at
"""

_NOTIFY = f"select pg_notify('{CHANNEL}', cast(:scope as text))"

_STATE = """
    select u.id, u.username, u.is_admin,
           (select min(p.id) from app.portfolios p where p.user_id = u.id) as portfolio_id,
           (select v.version from app.data_version v where v.id = 0) as warehouse_version,
           (select v.version from app.data_version v where v.id = u.id) as user_version
    from app.users u where u.id = :user_id
"""

_LOCKS: dict[int, threading.Lock] = {}
_LOCKS_GUARD = threading.Lock()
_bumped = threading.local()  # (database url, scope) bumped by this thread, not yet announced


@contextmanager
def write_lock(scope: int) -> Iterator[None]:
    """Serialise this process's bumping writes of one scope (hold it around the whole
    transaction: DuckDB aborts concurrent updates of the same counter row); on exit,
    after the transaction inside has committed, remembered states are forgotten and the
    bumps are announced (:mod:`ingest.change_events`, for the live updates)."""
    with _LOCKS_GUARD:
        lock = _LOCKS.setdefault(scope, threading.Lock())
    _bumped.pending = []
    committed = False
    try:
        with lock:
            yield
        committed = True
    finally:
        forget_states()
        pending, _bumped.pending = _bumped.pending, []
        for url, bumped_scope in dict.fromkeys(pending) if committed else ():
            emit(Change(DATA_CHANGED, url, scope=bumped_scope))


def bump_user(conn: Connection, user_id: int) -> None:
    """Bump ``user_id``'s counter inside the caller's (writing) transaction."""
    _bump(conn, int(user_id))


def _bump(conn: Connection, scope: int) -> None:
    """The upsert, and on PostgreSQL the notification (sent when the transaction commits)."""
    conn.execute(_BUMP, {"scope": scope})
    if conn.kind == "postgres":
        conn.execute(_NOTIFY, {"scope": scope})
    getattr(_bumped, "pending", []).append((conn.database_url, scope))


def bump_warehouse(warehouse: Warehouse, attempts: int = 5) -> None:
    """Bump the warehouse counter in its own transaction (end of a pipeline run)."""
    for attempt in range(attempts):
        try:
            with write_lock(WAREHOUSE_SCOPE), warehouse.connect() as conn:
                _bump(conn, WAREHOUSE_SCOPE)
            return
        except duckdb.TransactionException:  # a writer outside write_lock raced us
            if attempt == attempts - 1:
                raise
            time.sleep(0.05 * (attempt + 1))


@dataclass(frozen=True)
class RequestState:
    """The user of a request and the data versions read before any of its data."""

    user: dict[str, Any]  # id, username, is_admin, portfolio_id
    versions: tuple[int, int]  # (warehouse, user)


class _PostgresStateConnections:
    """A few autocommit connections for the state query on PostgreSQL: one round trip
    (the warehouse's pooled transaction costs a pre-ping, BEGIN and COMMIT besides)."""

    SIZE = 4

    def __init__(self, url: str):
        self.url = re.sub(r"^postgresql\+\w+://", "postgresql://", url)
        self.idle: queue.LifoQueue[psycopg.Connection] = queue.LifoQueue()
        self.slots = threading.BoundedSemaphore(self.SIZE)
        self.sql = _STATE.replace(":user_id", "%(user_id)s")

    def fetch(self, user_id: int) -> dict[str, Any] | None:
        if not self.slots.acquire(timeout=1.0):
            raise TimeoutError("no state connection free")
        conn = None
        try:
            try:
                conn = self.idle.get_nowait()
            except queue.Empty:
                conn = psycopg.connect(self.url, autocommit=True, connect_timeout=5,
                                       row_factory=dict_row)
            row = conn.execute(self.sql, {"user_id": user_id}).fetchone()
            self.idle.put(conn)
            conn = None
            return row
        finally:
            if conn is not None:  # broken: drop it
                conn.close()
            self.slots.release()


_PG: dict[str, _PostgresStateConnections] = {}
_PG_LOCK = threading.Lock()


def _fetch_state_row(warehouse: Warehouse, user_id: int) -> dict[str, Any] | None:
    if warehouse.kind == "postgres":
        with _PG_LOCK:
            pool = _PG.setdefault(warehouse.settings.database_url,
                                  _PostgresStateConnections(warehouse.settings.database_url))
        try:
            return pool.fetch(user_id)
        except (psycopg.Error, TimeoutError):
            pass  # fall back to the warehouse's own connection (and its error handling)
    with warehouse.connect() as conn:
        return conn.fetch_one(_STATE, {"user_id": user_id})


def read_request_state(warehouse: Warehouse, user_id: int) -> RequestState | None:
    """The user row and both counters in one query; None when the user does not exist."""
    row = _fetch_state_row(warehouse, user_id)
    if row is None:
        return None
    versions = (int(row.pop("warehouse_version") or 0), int(row.pop("user_version") or 0))
    return RequestState(row, versions)


MEMO_SECONDS = 0.1
PG_MEMO_SECONDS = 5.0  # safety net on PostgreSQL: the listener is what keeps states exact
_generation = 0  # bumped by forget_states(); guards stores racing with a commit
_memo: dict[tuple[str, int], tuple[float, RequestState]] = {}
_memo_lock = threading.Lock()
_flights: dict[tuple[str, int], threading.Lock] = {}


def forget_states(url: str | None = None, user_id: int | None = None) -> None:
    """Drop remembered states (after a bumping write committed): every one, those of
    one database (``url``), or of one user there; reads in flight are not stored."""
    with _memo_lock:
        _forget_locked(url, user_id)


def _forget_locked(url: str | None, user_id: int | None = None) -> None:
    global _generation
    _generation += 1
    if url is None:
        _memo.clear()
        return
    for key in [k for k in _memo if k[0] == url and (user_id is None or k[1] == user_id)]:
        del _memo[key]


class _Listener:
    """``LISTEN sigmasight_data_version`` on a dedicated autocommit connection, in a
    daemon thread: each notification forgets the remembered states of its scope. States
    of its database are remembered only while :meth:`healthy` (see the module doc)."""

    POLL_SECONDS = 0.5  # heartbeat: a ``select 1`` between waits for notifications
    STALE_SECONDS = 3.0  # no heartbeat for this long (dead socket, starved thread): unhealthy
    RETRY_SECONDS = (0.1, 0.25, 0.5, 1.0, 2.0, 5.0)
    GIVE_UP_SECONDS = 30.0  # disconnected this long: the thread ends (restarted on next use)

    def __init__(self, url: str):
        self.url = url
        self.dsn = re.sub(r"^postgresql\+\w+://", "postgresql://", url)
        self.connected = False
        self.last_beat = 0.0
        self.backend_pid: int | None = None
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True,
                                       name="sigmasight-data-version-listener")

    def healthy(self) -> bool:
        return self.connected and time.monotonic() - self.last_beat < self.STALE_SECONDS

    def start(self) -> None:
        self.thread.start()

    def stop(self, timeout: float = 2.0) -> None:
        self._stop.set()
        self._set_connected(False)
        if self.thread.is_alive() and self.thread is not threading.current_thread():
            self.thread.join(timeout)

    def _set_connected(self, connected: bool) -> None:
        with _memo_lock:  # forget first: nothing read before this point is ever used
            _forget_locked(self.url)
            self.last_beat = time.monotonic()
            self.connected = connected

    def _beat(self) -> None:
        now = time.monotonic()
        if now - self.last_beat >= self.STALE_SECONDS:  # we were unhealthy meanwhile
            self._set_connected(True)
        else:
            self.last_beat = now

    def _notified(self, payload: str, channel: str = CHANNEL) -> None:
        if channel == CHANNEL:
            try:
                scope = int(payload)
            except ValueError:
                scope = WAREHOUSE_SCOPE  # unknown payload: forget everything
            forget_states(self.url, None if scope == WAREHOUSE_SCOPE else scope)
        self._dispatch(channel, payload)

    def _dispatch(self, channel: str, payload: str) -> None:
        for handler in list(_HANDLERS.get(self.url, ())):
            try:
                handler(channel, payload)
            except Exception:  # noqa: BLE001 - a handler never stops the listener
                log.exception("notification handler failed on %s %s", channel, payload)

    def _run(self) -> None:
        failing_since: float | None = None
        attempt = 0
        while not self._stop.is_set():
            try:
                with psycopg.connect(self.dsn, autocommit=True, connect_timeout=5,
                                     keepalives=1, keepalives_idle=5, keepalives_interval=2,
                                     keepalives_count=2) as conn:
                    conn.execute(f"listen {CHANNEL}")
                    conn.execute(f"listen {BATCH_RUN_CHANNEL}")
                    self.backend_pid = conn.info.backend_pid
                    self._set_connected(True)  # remember from here on, nothing before
                    self._dispatch(RESYNC, "")  # whatever happened before was not heard
                    failing_since, attempt = None, 0
                    while not self._stop.is_set():
                        for notify in conn.notifies(timeout=self.POLL_SECONDS):
                            self._notified(notify.payload, notify.channel)
                        conn.execute("select 1")
                        self._beat()
            except Exception as error:  # noqa: BLE001 - any failure: fall back, retry
                was_connected = self.connected
                self._set_connected(False)
                if self._stop.is_set():
                    break
                now = time.monotonic()
                if failing_since is None:
                    failing_since = now
                    log.warning("data-version listener %s: %s; reading versions per "
                                "request until it reconnects",
                                "lost its connection" if was_connected else "cannot connect",
                                error)
                elif now - failing_since > self.GIVE_UP_SECONDS:
                    break
                self._stop.wait(self.RETRY_SECONDS[min(attempt, len(self.RETRY_SECONDS) - 1)])
                attempt += 1
        self._set_connected(False)
        with _LISTENERS_LOCK:
            if _LISTENERS.get(self.url) is self:
                del _LISTENERS[self.url]


_LISTENERS: dict[str, _Listener] = {}
_LISTENERS_LOCK = threading.Lock()
# per database URL: callables (channel, payload) run in the listener thread on each
# notification of CHANNEL or BATCH_RUN_CHANNEL (the live updates, api/live), and with
# RESYNC each time LISTEN (re)starts: notifications sent before that were not heard
RESYNC = "resync"
_HANDLERS: dict[str, list] = {}


def add_notification_handler(url: str, handler) -> None:
    with _LISTENERS_LOCK:
        _HANDLERS.setdefault(url, []).append(handler)


def remove_notification_handler(url: str, handler) -> None:
    with _LISTENERS_LOCK:
        if handler in _HANDLERS.get(url, []):
            _HANDLERS[url].remove(handler)


def start_listener(warehouse: Warehouse) -> _Listener | None:
    """The running listener of a PostgreSQL warehouse (started if needed); None on DuckDB."""
    if warehouse.kind != "postgres":
        return None
    url = warehouse.settings.database_url
    listener = _LISTENERS.get(url)
    if listener is not None and listener.thread.is_alive():
        return listener
    with _LISTENERS_LOCK:
        listener = _LISTENERS.get(url)
        if listener is None or not listener.thread.is_alive():
            listener = _LISTENERS[url] = _Listener(url)
            listener.start()
        return listener


def stop_listener(warehouse: Warehouse) -> None:
    """Stop the listener of ``warehouse`` (API shutdown); states are no longer remembered."""
    with _LISTENERS_LOCK:
        listener = _LISTENERS.pop(warehouse.settings.database_url, None)
    if listener is not None:
        listener.stop()


def memo_seconds(warehouse: Warehouse) -> float:
    """How long a state may be remembered: 100 ms on DuckDB (see the module doc), 0 when
    the DuckDB file is released more often than that; on PostgreSQL
    :data:`PG_MEMO_SECONDS` while the listener is healthy, else 0."""
    if warehouse.kind == "postgres":
        listener = _LISTENERS.get(warehouse.settings.database_url)
        return PG_MEMO_SECONDS if listener is not None and listener.healthy() else 0.0
    if warehouse.kind != "duckdb":
        return 0.0
    release = warehouse.settings.duckdb_idle_release_seconds
    return MEMO_SECONDS if release <= 0 or release > MEMO_SECONDS else 0.0


def remembered_state(warehouse: Warehouse, user_id: int) -> RequestState | None:
    """The remembered state of ``user_id`` if still valid (no database access)."""
    seconds = memo_seconds(warehouse)  # before the lookup: see _Listener._set_connected
    if seconds <= 0:
        return None
    entry = _memo.get((warehouse.settings.database_url, user_id))
    if entry is None or time.monotonic() - entry[0] >= seconds:
        return None
    return entry[1]


def current_state(warehouse: Warehouse, user_id: int) -> RequestState | None:
    """:func:`remembered_state`, else :func:`read_request_state` (remembered on DuckDB,
    and on PostgreSQL while the listener is healthy)."""
    if warehouse.kind == "postgres":
        start_listener(warehouse)
    state = remembered_state(warehouse, user_id)
    if state is not None:
        return state
    if memo_seconds(warehouse) <= 0:
        return read_request_state(warehouse, user_id)
    key = (warehouse.settings.database_url, user_id)
    with _memo_lock:
        flight = _flights.setdefault(key, threading.Lock())
    with flight:  # one read per user when the state expires, not one per waiting request
        state = remembered_state(warehouse, user_id)
        if state is not None:
            return state
        generation, started = _generation, time.monotonic()
        if memo_seconds(warehouse) <= 0:  # the listener dropped: do not remember
            return read_request_state(warehouse, user_id)
        state = read_request_state(warehouse, user_id)
        if state is not None:
            with _memo_lock:
                if generation == _generation:  # no bumping write committed meanwhile
                    if len(_memo) > 10_000:
                        _memo.clear()
                        _flights.clear()
                    _memo[key] = (started, state)
    return state


def main() -> None:
    """``python -m api.data_version``: bump the warehouse counter (after a manual dbt build)."""
    from ingest.config import get_settings
    from ingest.warehouse import get_warehouse

    bump_warehouse(get_warehouse(get_settings()))
    print("data version bumped")


if __name__ == "__main__":
    main()
