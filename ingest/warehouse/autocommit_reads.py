"""One-round-trip reads on PostgreSQL: a few autocommit connections kept open.

The warehouse's pooled transaction costs a pre-ping, ``BEGIN`` and ``COMMIT`` besides
the query; a per-request lookup that reads one row (the API's user + data versions) uses
:class:`AutocommitReads` instead. Each statement is its own snapshot, which is what a
single-statement read needs. Driver errors come out as :mod:`ingest.warehouse.errors`
classes; a broken connection is dropped, never reused.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Mapping
from typing import Any

import psycopg
from psycopg.rows import dict_row

from ingest.warehouse.connection import Warehouse, driver_sql
from ingest.warehouse.errors import WarehouseUnavailableError, translated_errors

_DictConnection = psycopg.Connection[dict[str, Any]]


class AutocommitReads:
    """At most ``size`` autocommit connections to a PostgreSQL warehouse."""

    def __init__(self, warehouse: Warehouse, size: int = 4, wait_seconds: float = 1.0):
        if warehouse.kind != "postgres":
            raise ValueError("autocommit reads are for a PostgreSQL warehouse")
        self.dsn = warehouse.dsn
        self.wait_seconds = wait_seconds
        self._idle: queue.LifoQueue[_DictConnection] = queue.LifoQueue()
        self._slots = threading.BoundedSemaphore(size)

    def fetch_one(self, sql: str, params: Mapping[str, Any]) -> dict[str, Any] | None:
        """The first row of ``sql`` (``:name`` parameters) as a dict, or None."""
        if not self._slots.acquire(timeout=self.wait_seconds):
            raise WarehouseUnavailableError("no autocommit connection free")
        conn: _DictConnection | None = None
        try:
            with translated_errors():
                try:
                    conn = self._idle.get_nowait()
                except queue.Empty:
                    conn = psycopg.connect(self.dsn, autocommit=True, connect_timeout=5,
                                           row_factory=dict_row)
                row = conn.execute(driver_sql("postgres", sql), dict(params)).fetchone()
            self._idle.put(conn)
            conn = None
            return row
        finally:
            if conn is not None:  # broken: drop it
                conn.close()
            self._slots.release()
