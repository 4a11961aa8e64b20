"""The per-request read side of the data versions: who is asking, and which versions.

What a user's GET shows depends only on the warehouse scope and their own scope
(:mod:`ingest.warehouse.data_version`), so a request reads the user row and both counters
in **one query** (:func:`read_request_state`) **before** it reads any data. The response
cache (:mod:`api.cache`) stores a body under the versions read before it was computed; a
write commits its data and its bump atomically, so a body computed from old data can only
be stored under an old version, never under the new one (versions only grow).

**Remembering states.** On DuckDB one state query costs about a millisecond of CPU, so
:func:`current_state` remembers each user's :class:`RequestState` for at most
:data:`MEMO_SECONDS`. That is exact, not merely "fresh enough": while this process has the
DuckDB file open no other process can write it, and every bumping write here ends inside
``write_lock``, whose observer (:func:`forget_states`, registered below) forgets the
remembered states *after* the transaction committed; a read that raced with the commit is
not remembered (a generation counter is checked before storing). The file is released only
after ``duckdb_idle_release_seconds`` without use, longer than the 100 ms, so a state
remembered before another process could have written has always expired (with a release
interval under 100 ms nothing is remembered).

On PostgreSQL any process may write: states are remembered (for at most
:data:`PG_MEMO_SECONDS`, a safety net) only while the LISTEN thread of
:mod:`api.version_listener` is healthy; each notification forgets its scope.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from api.version_listener import VersionListener
from ingest.warehouse import Warehouse, WarehouseUnavailableError
from ingest.warehouse.autocommit_reads import AutocommitReads
from ingest.warehouse.data_version import on_committed_bump

MEMO_SECONDS = 0.1
PG_MEMO_SECONDS = 5.0  # safety net on PostgreSQL: the listener is what keeps states exact

_STATE = """
    select u.id, u.username, u.is_admin,
           (select min(p.id) from app.portfolios p where p.user_id = u.id) as portfolio_id,
           (select v.version from app.data_version v where v.id = 0) as warehouse_version,
           (select v.version from app.data_version v where v.id = u.id) as user_version
    from app.users u where u.id = :user_id
"""


@dataclass(frozen=True)
class RequestState:
    """The user of a request and the data versions read before any of its data."""

    user: dict[str, Any]  # id, username, is_admin, portfolio_id
    versions: tuple[int, int]  # (warehouse, user)


_READS: dict[str, AutocommitReads] = {}
_READS_LOCK = threading.Lock()


def _fetch_state_row(warehouse: Warehouse, user_id: int) -> dict[str, Any] | None:
    if warehouse.kind == "postgres":
        with _READS_LOCK:
            url = warehouse.settings.database_url
            reads = _READS.get(url) or _READS.setdefault(url, AutocommitReads(warehouse))
        try:
            return reads.fetch_one(_STATE, {"user_id": user_id})
        except WarehouseUnavailableError:
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


# --- the memo -------------------------------------------------------------------------

_generation = 0  # bumped by every forget; guards stores racing with a commit
_memo: dict[tuple[str, int], tuple[float, RequestState]] = {}
_memo_lock = threading.Lock()
_flights: dict[tuple[str, int], threading.Lock] = {}


def forget_states(url: str | None = None, user_id: int | None = None,
                  then: Callable[[], None] | None = None) -> None:
    """Drop remembered states — every one, those of one database (``url``), or of one user
    there — so reads in flight are not stored; then call ``then()`` under the same lock."""
    global _generation
    with _memo_lock:
        _generation += 1
        if url is None:
            _memo.clear()
        else:
            for key in [k for k in _memo if k[0] == url and user_id in (None, k[1])]:
                del _memo[key]
        if then is not None:
            then()


on_committed_bump(forget_states)  # this process's own writes: forget at once


# --- the listeners (PostgreSQL) ---------------------------------------------------------

_LISTENERS: dict[str, VersionListener] = {}
_LISTENERS_LOCK = threading.Lock()


def _listener_ended(listener: VersionListener) -> None:
    with _LISTENERS_LOCK:
        if _LISTENERS.get(listener.warehouse.settings.database_url) is listener:
            del _LISTENERS[listener.warehouse.settings.database_url]


def start_listener(warehouse: Warehouse) -> VersionListener | None:
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
            listener = _LISTENERS[url] = VersionListener(
                warehouse, lambda user_id, then: forget_states(url, user_id, then),
                _listener_ended)
            listener.start()
        return listener


def stop_listener(warehouse: Warehouse) -> None:
    """Stop the listener of ``warehouse`` (API shutdown); states are no longer remembered."""
    with _LISTENERS_LOCK:
        listener = _LISTENERS.pop(warehouse.settings.database_url, None)
    if listener is not None:
        listener.stop()


def memo_seconds(warehouse: Warehouse) -> float:
    """How long a state may be remembered: :data:`MEMO_SECONDS` on DuckDB, 0 when the DuckDB
    file is released more often than that; on PostgreSQL :data:`PG_MEMO_SECONDS` while the
    listener is healthy, else 0."""
    if warehouse.kind == "postgres":
        listener = _LISTENERS.get(warehouse.settings.database_url)
        return PG_MEMO_SECONDS if listener is not None and listener.healthy() else 0.0
    if warehouse.kind != "duckdb":
        return 0.0
    release = warehouse.settings.duckdb_idle_release_seconds
    return MEMO_SECONDS if release <= 0 or release > MEMO_SECONDS else 0.0


def remembered_state(warehouse: Warehouse, user_id: int) -> RequestState | None:
    """The remembered state of ``user_id`` if still valid (no database access)."""
    seconds = memo_seconds(warehouse)  # before the lookup: see VersionListener._set_connected
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
