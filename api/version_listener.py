"""The LISTEN thread: data-version notifications from every writer, in each API process.

On PostgreSQL any process may write (other API workers, Prefect flows, an analyst's
``dbt build``), and every bump sends ``pg_notify('sigmasight_data_version', '<scope>')``
(:mod:`ingest.warehouse.data_version`). Each API process runs one :class:`VersionListener`
thread per database: a dedicated ``LISTEN`` connection
(:func:`ingest.warehouse.notifications.subscribe`) whose notifications make the per-request
memo (:mod:`api.request_state`) forget the states of the notified scope.

The memo may remember states only while the listener is :meth:`~VersionListener.healthy`:
on (re)connect everything is forgotten and remembering starts only once ``LISTEN``
succeeded; a heartbeat (``select 1``) every :data:`~VersionListener.POLL_SECONDS` keeps the
health fresh, and a silent socket turns unhealthy after
:data:`~VersionListener.STALE_SECONDS`. A bump committed by another process is therefore
seen as soon as its notification reaches this process (milliseconds).

The same connection also listens to the batch-run channel
(:data:`ingest.warehouse.batch_runs.BATCH_RUN_CHANNEL`): every notification of either
channel is handed to the handlers registered for its database
(:func:`add_notification_handler`, the live updates of ``api/live``), and each (re)connect
as :data:`RESYNC` — notifications sent while the connection was down were not heard.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from ingest.warehouse import Warehouse
from ingest.warehouse.batch_runs import BATCH_RUN_CHANNEL
from ingest.warehouse.data_version import CHANNEL, WAREHOUSE_SCOPE
from ingest.warehouse.notifications import subscribe

log = logging.getLogger(__name__)

RESYNC = "resync"  # pseudo-channel handed to the handlers on each (re)connect
#: handler(channel, payload), run in the listener's thread; per database URL
Handler = Callable[[str, str], None]
_HANDLERS: dict[str, list[Handler]] = {}
_HANDLERS_LOCK = threading.Lock()


def add_notification_handler(url: str, handler: Handler) -> None:
    with _HANDLERS_LOCK:
        _HANDLERS.setdefault(url, []).append(handler)


def remove_notification_handler(url: str, handler: Handler) -> None:
    with _HANDLERS_LOCK:
        if handler in _HANDLERS.get(url, []):
            _HANDLERS[url].remove(handler)

#: forget(scope, then): forget the remembered states of ``scope`` (a user id, or None for
#: every user), then call ``then()``, both under the memo's lock
Forget = Callable[[int | None, Callable[[], None]], None]


class VersionListener:
    """``LISTEN`` in a daemon thread; :meth:`healthy` says whether states may be remembered."""

    POLL_SECONDS = 0.5  # heartbeat: a ``select 1`` between waits for notifications
    STALE_SECONDS = 3.0  # no heartbeat for this long (dead socket, starved thread): unhealthy
    RETRY_SECONDS = (0.1, 0.25, 0.5, 1.0, 2.0, 5.0)
    GIVE_UP_SECONDS = 30.0  # disconnected this long: the thread ends (restarted on next use)

    def __init__(self, warehouse: Warehouse, forget: Forget,
                 on_exit: Callable[[VersionListener], None]):
        self.warehouse = warehouse
        self.forget = forget
        self.on_exit = on_exit
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
        def mark() -> None:  # under the memo's lock, after forgetting: nothing read before
            self.last_beat = time.monotonic()  # this point is ever used
            self.connected = connected

        self.forget(None, mark)

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
            self.forget(None if scope == WAREHOUSE_SCOPE else scope, lambda: None)
        self._dispatch(channel, payload)

    def _dispatch(self, channel: str, payload: str) -> None:
        with _HANDLERS_LOCK:
            handlers = list(_HANDLERS.get(self.warehouse.settings.database_url, ()))
        for handler in handlers:
            try:
                handler(channel, payload)
            except Exception:  # noqa: BLE001 - a handler never stops the listener
                log.exception("notification handler failed on %s %s", channel, payload)

    def _run(self) -> None:
        failing_since: float | None = None
        attempt = 0
        while not self._stop.is_set():
            try:
                with subscribe(self.warehouse, CHANNEL, BATCH_RUN_CHANNEL) as subscription:
                    self.backend_pid = subscription.backend_pid
                    self._set_connected(True)  # remember from here on, nothing before
                    self._dispatch(RESYNC, "")  # whatever happened before was not heard
                    failing_since, attempt = None, 0
                    while not self._stop.is_set():
                        for channel, payload in subscription.notifications(self.POLL_SECONDS):
                            self._notified(payload, channel)
                        subscription.heartbeat()
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
        self.on_exit(self)
