"""Where the live events come from, per warehouse kind, and to whom they go.

- **DuckDB**: every writer is in this process, so the in-process change notices
  (:mod:`ingest.warehouse.change_events`, sent after each commit) are the source.
- **PostgreSQL**: any process may write (another API worker, a Prefect flow run), so the
  source is the database's ``LISTEN/NOTIFY``: the data-version listener
  (:mod:`api.version_listener`) also listens to the batch-run channel and hands every
  notification to :meth:`LiveSources.on_notification`.

A change becomes an event of the hub (:mod:`api.live.hub`):

- data version of scope 0 (marts, market data) → ``{"type": "data_changed", "scope":
  "warehouse"}`` to every connection (it carries nothing about whose batch it was);
- data version of a user → ``{"type": "data_changed", "scope": "user"}`` to that user;
- batch run → ``{"type": "batch_run", "run": {...}}`` to the user who started it and
  the owner of its portfolio, read from ``app.batch_runs`` when someone is connected;
- the PostgreSQL listener (re)connected → ``{"type": "resync"}`` to every connection
  (notifications sent while it was away were lost: clients read the API again).

Lookups run on one worker thread of their own (in order), never in the writer's thread.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from fastapi.encoders import jsonable_encoder

from api import version_listener
from api.live.hub import EventHub
from api.request_state import start_listener
from ingest.warehouse import Warehouse
from ingest.warehouse.batch_runs import BATCH_RUN_CHANNEL
from ingest.warehouse.change_events import BATCH_RUN, DATA_CHANGED, Change, subscribe
from ingest.warehouse.data_version import CHANNEL, WAREHOUSE_SCOPE

log = logging.getLogger(__name__)

_RUN = """
    select r.id, r.kind, r.portfolio_id, r.requested_by, r.status, r.progress, r.message,
           r.error, r.created_at, r.started_at, r.finished_at, p.user_id as owner_id
    from app.batch_runs r left join app.portfolios p on p.id = r.portfolio_id
    where r.id = :run_id
"""


class LiveSources:
    def __init__(self, hub: EventHub, warehouse: Warehouse):
        self.hub = hub
        self.warehouse = warehouse
        self.url = warehouse.settings.database_url
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="live-events")
        self._unsubscribe: Callable[[], None] | None = None

    def start(self) -> None:
        if self.warehouse.kind == "postgres":
            version_listener.add_notification_handler(self.url, self.on_notification)
            start_listener(self.warehouse)
        else:
            self._unsubscribe = subscribe(self.on_change)

    def stop(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
        version_listener.remove_notification_handler(self.url, self.on_notification)
        self._executor.shutdown(wait=False, cancel_futures=True)

    # --- the two sources -------------------------------------------------------------

    def on_change(self, change: Change) -> None:
        """An in-process notice (DuckDB), in the writer's thread."""
        if change.database_url != self.url:
            return  # another warehouse of this process
        if change.kind == DATA_CHANGED and change.scope is not None:
            self.data_changed(change.scope)
        elif change.kind == BATCH_RUN and change.run_id:
            self._executor.submit(self._batch_run, change.run_id)

    def on_notification(self, channel: str, payload: str) -> None:
        """A PostgreSQL notification, in the listener's thread."""
        if channel == CHANNEL:
            try:
                self.data_changed(int(payload))
            except ValueError:
                self.data_changed(WAREHOUSE_SCOPE)
        elif channel == BATCH_RUN_CHANNEL:
            self._executor.submit(self._batch_run, payload)
        elif channel == version_listener.RESYNC:  # (re)connected: changes may have been missed
            self.hub.publish({"type": "resync"})

    # --- events ----------------------------------------------------------------------

    def data_changed(self, scope: int) -> None:
        if scope == WAREHOUSE_SCOPE:
            self.hub.publish({"type": "data_changed", "scope": "warehouse"})
        else:
            self.hub.publish({"type": "data_changed", "scope": "user"}, [scope])

    def _batch_run(self, run_id: str) -> None:
        listening = self.hub.users()
        if not listening:
            return
        try:
            with self.warehouse.connect() as conn:
                row = conn.fetch_one(_RUN, {"run_id": run_id})
        except Exception:  # noqa: BLE001 - a failed lookup loses one event, not the hub
            log.exception("batch run %s: lookup for the live event failed", run_id)
            return
        if row is None:
            return
        owners = {row.pop("owner_id"), row["requested_by"]} - {None}
        recipients = {int(user) for user in owners} & listening
        if recipients:
            run: dict[str, Any] = jsonable_encoder(row)
            self.hub.publish({"type": "batch_run", "run": run}, recipients)


def start_live_sources(hub: EventHub, warehouse: Warehouse) -> LiveSources:
    sources = LiveSources(hub, warehouse)
    sources.start()
    return sources
