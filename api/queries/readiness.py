"""Readiness of this API process: the warehouse answers, its schema is current, and the
last completed batch is recent enough.

Each check gives ``{"ok": bool, ...}`` with what it saw; the process is ready when every
check is ok. The batch age (seconds since the latest ``completed`` run of
``app.batch_runs`` finished, UTC) is always reported and fails the check only when
``settings.ready_max_batch_age_hours`` is set (a fresh deployment has no batch yet).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ingest.config import Settings
from ingest.warehouse import MissingTableError, Warehouse, WarehouseError
from ingest.warehouse.migrate import schema_status

_LAST_BATCH = """
    select max(finished_at) as finished_at from app.batch_runs where status = 'completed'
"""


def _warehouse_check(warehouse: Warehouse) -> dict[str, Any]:
    try:
        with warehouse.connect() as conn:
            conn.fetch_one("select 1 as one")
    except WarehouseError as error:
        return {"ok": False, "kind": warehouse.kind, "error": f"{type(error).__name__}: {error}"}
    return {"ok": True, "kind": warehouse.kind}


def _batch_check(warehouse: Warehouse, settings: Settings,
                 now: dt.datetime) -> dict[str, Any]:
    try:
        with warehouse.connect() as conn:
            row = conn.fetch_one(_LAST_BATCH)
    except MissingTableError:  # no schema yet: the schema check says so
        row = None
    finished = row["finished_at"] if row else None
    age = None if finished is None else round((now - finished).total_seconds(), 3)
    limit = settings.ready_max_batch_age_hours
    ok = limit is None or (age is not None and age <= limit * 3600)
    return {"ok": ok, "last_completed_at": finished, "age_seconds": age,
            "max_age_hours": limit}


def readiness(warehouse: Warehouse, settings: Settings,
              now: dt.datetime | None = None) -> tuple[bool, dict[str, Any]]:
    """``(ready, checks)``; a failed warehouse check skips the others (reported not ok)."""
    now = now or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    checks: dict[str, Any] = {"warehouse": _warehouse_check(warehouse)}
    if not checks["warehouse"]["ok"]:
        checks["schema"] = checks["last_batch"] = {"ok": False, "error": "warehouse unreachable"}
        return False, checks
    try:
        status = schema_status(warehouse)
        checks["schema"] = {"ok": status.current, "revision": status.revision,
                            "head": status.head}
        checks["last_batch"] = _batch_check(warehouse, settings, now)
    except WarehouseError as error:  # lost between the checks
        checks["warehouse"] = {"ok": False, "kind": warehouse.kind,
                               "error": f"{type(error).__name__}: {error}"}
        checks.setdefault("schema", {"ok": False, "error": "warehouse unreachable"})
        checks["last_batch"] = {"ok": False, "error": "warehouse unreachable"}
    return all(check["ok"] for check in checks.values()), checks
