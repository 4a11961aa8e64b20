"""In-process notices of committed changes, for the API's live updates (``api/live``).

Writers call :func:`emit` **after** their transaction committed:

- ``data_changed`` when a data version was bumped (``scope`` 0 = the marts and market
  data, else the id of the user whose book or tags changed);
- ``batch_run`` when a row of ``app.batch_runs`` was created or updated (``run_id``).

Observers (:func:`subscribe`) run synchronously in the writer's thread: they must be
quick and must not block (the API hands the work to a thread of its own). An observer's
exception is logged and never reaches the writer. On DuckDB every writer is in the
serving process, so these notices are the whole story; on PostgreSQL any process may
write, and the same changes are also sent with ``pg_notify`` (which the API listens to).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final, Literal

log = logging.getLogger(__name__)

DATA_CHANGED: Final = "data_changed"
BATCH_RUN: Final = "batch_run"


@dataclass(frozen=True)
class Change:
    kind: Literal["data_changed", "batch_run"]
    database_url: str
    scope: int | None = None  # data_changed: 0 = warehouse, else a user id
    run_id: str | None = None  # batch_run


Observer = Callable[[Change], None]
_observers: list[Observer] = []
_lock = threading.Lock()


def subscribe(observer: Observer) -> Callable[[], None]:
    """Call ``observer(change)`` after each committed change; returns the unsubscriber."""
    with _lock:
        _observers.append(observer)

    def unsubscribe() -> None:
        with _lock:
            if observer in _observers:
                _observers.remove(observer)

    return unsubscribe


def emit(change: Change) -> None:
    """Tell every observer about ``change`` (call it after the commit)."""
    with _lock:
        observers = list(_observers)
    for observer in observers:
        try:
            observer(change)
        except Exception:  # noqa: BLE001 - an observer never breaks a writer
            log.exception("change observer failed on %s", change)
