"""PostgreSQL ``LISTEN`` on a dedicated autocommit connection.

:func:`subscribe` opens its own connection (TCP keepalives on, so a dead server is noticed
within seconds), runs ``LISTEN <channel>`` and yields a :class:`Subscription`; leaving the
block closes the connection. Driver errors come out as :mod:`ingest.warehouse.errors`
classes (a lost connection is :class:`~ingest.warehouse.errors.WarehouseUnavailableError`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg

from ingest.warehouse.connection import Warehouse
from ingest.warehouse.errors import translated_errors


class Subscription:
    """An open ``LISTEN``: read payloads as they arrive, and check the connection."""

    def __init__(self, conn: psycopg.Connection):
        self._conn = conn
        self.backend_pid: int = conn.info.backend_pid

    def payloads(self, timeout: float) -> Iterator[str]:
        """Each notification's payload as soon as it arrives, for up to ``timeout`` s."""
        for _, payload in self.notifications(timeout):
            yield payload

    def notifications(self, timeout: float) -> Iterator[tuple[str, str]]:
        """Each notification's (channel, payload) as soon as it arrives, for up to
        ``timeout`` s."""
        with translated_errors():
            for notify in self._conn.notifies(timeout=timeout):
                yield notify.channel, notify.payload

    def heartbeat(self) -> None:
        """A ``select 1`` round trip: raises when the connection is gone."""
        with translated_errors():
            self._conn.execute("select 1")


@contextmanager
def subscribe(warehouse: Warehouse, *channels: str) -> Iterator[Subscription]:
    """``LISTEN`` each channel on a new autocommit connection to ``warehouse`` (PostgreSQL)."""
    if warehouse.kind != "postgres":
        raise ValueError("LISTEN/NOTIFY needs a PostgreSQL warehouse")
    with translated_errors():
        conn = psycopg.connect(warehouse.dsn, autocommit=True, connect_timeout=5,
                               keepalives=1, keepalives_idle=5, keepalives_interval=2,
                               keepalives_count=2)
    try:
        with translated_errors():
            for channel in channels:
                conn.execute(f"listen {channel}")
        yield Subscription(conn)
    finally:
        conn.close()
