"""The event hub: per-user queues of the open WebSockets of this process.

:meth:`EventHub.publish` may be called from any thread (the batch worker, the PostgreSQL
listener, a request's thread pool): each event is handed to the event loop of every
subscriber it is addressed to with ``call_soon_threadsafe``. An event goes to the
connections of the users it names, or to every connection when it names none (the marts
changed for everyone). Nothing is persisted: a client that was not connected asks the
API again (the dashboard reloads its panels on connect), so a lost event is never a lost
figure. A slow client's queue is bounded; when full, its oldest event is dropped (the
events are states — the latest progress, "data changed" — not deltas).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

QUEUE_SIZE = 256


@dataclass(eq=False)
class Subscriber:
    user_id: int
    loop: asyncio.AbstractEventLoop
    queue: asyncio.Queue = field(default_factory=lambda: asyncio.Queue(QUEUE_SIZE))

    def offer(self, event: dict[str, Any]) -> None:
        """Enqueue (on the subscriber's loop), dropping the oldest event when full."""
        if self.queue.full():
            self.queue.get_nowait()
        self.queue.put_nowait(event)


class EventHub:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscribers: dict[int, set[Subscriber]] = {}

    def subscribe(self, user_id: int) -> Subscriber:
        """A new subscriber for ``user_id`` on the running event loop."""
        subscriber = Subscriber(user_id, asyncio.get_running_loop())
        with self._lock:
            self._subscribers.setdefault(user_id, set()).add(subscriber)
        return subscriber

    def unsubscribe(self, subscriber: Subscriber) -> None:
        with self._lock:
            group = self._subscribers.get(subscriber.user_id, set())
            group.discard(subscriber)
            if not group:
                self._subscribers.pop(subscriber.user_id, None)

    def users(self) -> set[int]:
        """The users with at least one open connection."""
        with self._lock:
            return set(self._subscribers)

    def publish(self, event: dict[str, Any], user_ids: Iterable[int] | None = None) -> int:
        """Send ``event`` to the connections of ``user_ids`` (None: every connection);
        thread-safe. Returns the number of connections it was handed to."""
        with self._lock:
            if user_ids is None:
                targets = [s for group in self._subscribers.values() for s in group]
            else:
                targets = [s for user_id in set(user_ids)
                           for s in self._subscribers.get(int(user_id), ())]
        for subscriber in targets:
            try:
                subscriber.loop.call_soon_threadsafe(subscriber.offer, event)
            except RuntimeError:  # its loop has closed: the connection is gone
                self.unsubscribe(subscriber)
        return len(targets)
