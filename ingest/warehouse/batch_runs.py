"""The ``app.batch_runs`` table: one row per batch or backfill run, with its progress.

Status moves ``queued → running → completed | failed | skipped``; ``progress`` is a
fraction in [0, 1]; ``details`` is JSON text (per-step timings, per-symbol errors).
Every change is announced after its commit (:mod:`ingest.warehouse.change_events`) and, on
PostgreSQL, with ``pg_notify('sigmasight_batch_run', <run id>)`` for other processes.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

from ingest.logs import REQUEST_ID
from ingest.warehouse.change_events import BATCH_RUN, Change, emit
from ingest.warehouse.connection import Connection, Warehouse

TERMINAL_STATUSES = frozenset({"completed", "failed", "skipped"})


BATCH_RUN_CHANNEL = "sigmasight_batch_run"  # PostgreSQL NOTIFY channel, payload = run id


def _notify(conn: Connection, run_id: str) -> None:
    """On PostgreSQL, NOTIFY the run's id (delivered when the transaction commits)."""
    if conn.kind == "postgres":
        conn.execute(f"select pg_notify('{BATCH_RUN_CHANNEL}', :run_id)", {"run_id": run_id})


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def create_batch_run(
    warehouse: Warehouse, kind: str, *, portfolio_id: int | None = None,
    requested_by: int | None = None,
) -> str:
    """Insert a queued run and return its id (uuid4 hex); ``request_id`` is the context's
    (:data:`ingest.logs.REQUEST_ID`: the HTTP request that started the run, or None)."""
    run_id = uuid.uuid4().hex
    with warehouse.connect() as conn:
        conn.execute(
            "insert into app.batch_runs (id, kind, portfolio_id, requested_by, status, progress,"
            " created_at, request_id) values (:id, :kind, :portfolio_id, :requested_by, "
            "'queued', 0, :now, :request_id)",
            {"id": run_id, "kind": kind, "portfolio_id": portfolio_id,
             "requested_by": requested_by, "now": _now(), "request_id": REQUEST_ID.get()},
        )
        _notify(conn, run_id)
    emit(Change(BATCH_RUN, warehouse.settings.database_url, run_id=run_id))
    return run_id


def claim_batch_run(warehouse: Warehouse, run_id: str) -> bool:
    """Mark the run running unless it already ended (superseded while queued): True when
    the caller should go on and run it."""
    with warehouse.connect() as conn:
        claimed = conn.fetch_one(
            "update app.batch_runs set status = 'running', progress = 0, started_at = :now, "
            "message = :message where id = :run_id "
            "and status not in ('completed', 'failed', 'skipped') returning id",
            {"run_id": run_id, "now": _now(), "message": "started"})
        if claimed is not None:
            _notify(conn, run_id)
    emit(Change(BATCH_RUN, warehouse.settings.database_url, run_id=run_id))
    return claimed is not None


def supersede_queued_backfills(warehouse: Warehouse, portfolio_id: int, newer: str) -> list[str]:
    """Skip the still-queued backfills of ``portfolio_id`` other than run ``newer`` (a newer
    upload's backfill covers them); returns their ids. A run already started is left be."""
    with warehouse.connect() as conn:
        rows = conn.fetch_dicts(
            "update app.batch_runs set status = 'skipped', progress = 1, finished_at = :now, "
            "message = :message where kind = 'portfolio_backfill' "
            "and portfolio_id = :portfolio_id and status = 'queued' and id <> :newer "
            "returning id", {"portfolio_id": portfolio_id, "newer": newer, "now": _now(),
                             "message": f"superseded by a newer upload: run {newer}"})
        ids = [str(row["id"]) for row in rows]
        for run_id in ids:
            _notify(conn, run_id)
    for run_id in ids:
        emit(Change(BATCH_RUN, warehouse.settings.database_url, run_id=run_id))
    return ids


QUEUED_WINDOW = dt.timedelta(hours=1)  # older queued rows are leftovers of a restart


def queued_run_count(warehouse: Warehouse, *, except_portfolio: int | None = None) -> int:
    """Runs queued in the last :data:`QUEUED_WINDOW`, not counting the backfills of
    ``except_portfolio`` (a new upload of it supersedes them)."""
    with warehouse.connect() as conn:
        row = conn.fetch_one(
            "select count(*) as n from app.batch_runs where status = 'queued' "
            "and created_at >= :since and not (kind = 'portfolio_backfill' "
            "and coalesce(portfolio_id, -1) = :portfolio_id)",
            {"since": _now() - QUEUED_WINDOW,
             "portfolio_id": -1 if except_portfolio is None else except_portfolio})
    return int(row["n"]) if row else 0


def update_batch_run(warehouse: Warehouse, run_id: str, **fields: Any) -> None:
    """Set any of status, progress, message, error, details (dict → JSON).

    ``started_at`` is stamped when the status becomes running and ``finished_at``
    when it becomes terminal.
    """
    if "details" in fields and not isinstance(fields["details"], str):
        fields["details"] = json.dumps(fields["details"], default=str, sort_keys=True)
    status = fields.get("status")
    if status == "running":
        fields["started_at"] = _now()
    if status in TERMINAL_STATUSES:
        fields["finished_at"] = _now()
    assignments = ", ".join(f"{name} = :{name}" for name in fields)
    with warehouse.connect() as conn:
        conn.execute(f"update app.batch_runs set {assignments} where id = :run_id",
                     {**fields, "run_id": run_id})
        _notify(conn, run_id)
    emit(Change(BATCH_RUN, warehouse.settings.database_url, run_id=run_id))


def merge_batch_run_details(warehouse: Warehouse, run_id: str, extra: dict[str, Any],
                            **fields: Any) -> None:
    """Add ``extra`` to the run's ``details`` JSON (keys of ``extra`` win) and set ``fields``.

    Used where two writers contribute details to one run: the API records the Prefect
    flow-run id, the flow later adds its report.
    """
    with warehouse.connect() as conn:
        row = conn.fetch_one("select details from app.batch_runs where id = :run_id",
                             {"run_id": run_id})
    details = json.loads(row["details"]) if row and row.get("details") else {}
    update_batch_run(warehouse, run_id, details={**details, **extra}, **fields)


def get_batch_run(warehouse: Warehouse, run_id: str) -> dict[str, Any] | None:
    """The run as a dict (``details`` parsed from JSON), or None."""
    with warehouse.connect() as conn:
        row = conn.fetch_one("select * from app.batch_runs where id = :run_id", {"run_id": run_id})
    if row and row.get("details"):
        row["details"] = json.loads(row["details"])
    return row
