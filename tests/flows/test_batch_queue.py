"""The batch queue: a newer upload supersedes a queued backfill of the same portfolio, and
a superseded run is skipped by the worker that reaches it (both warehouses)."""

from __future__ import annotations

import datetime as dt
import threading

from flows import pipeline
from ingest.warehouse.batch_runs import (
    claim_batch_run,
    create_batch_run,
    get_batch_run,
    queued_run_count,
)
from ingest.warehouse.schema import ensure_schema


def _status(warehouse, run_id: str) -> tuple[str, str | None]:
    run = get_batch_run(warehouse, run_id)
    assert run is not None
    return run["status"], run["message"]


def test_a_newer_backfill_supersedes_the_queued_one_of_its_portfolio_only(settings):
    from ingest.warehouse import get_warehouse

    warehouse = get_warehouse(settings)
    ensure_schema(warehouse)
    release = threading.Event()
    blocker = pipeline._executor().submit(release.wait, 60)  # keeps the runs queued
    try:
        first = pipeline.submit_portfolio_backfill(settings, 1, requested_by=7)
        other = pipeline.submit_portfolio_backfill(settings, 2, requested_by=8)
        assert queued_run_count(warehouse) == 2
        assert queued_run_count(warehouse, except_portfolio=1) == 1
        second = pipeline.submit_portfolio_backfill(settings, 1, requested_by=7)
        assert _status(warehouse, first) == ("skipped", f"superseded by a newer upload: "
                                                        f"run {second}")
        assert _status(warehouse, second)[0] == "queued"
        assert _status(warehouse, other)[0] == "queued"
        assert queued_run_count(warehouse) == 2
        # stop the two real runs before the worker reaches them: it must skip them too
        for run_id in (second, other):
            with warehouse.connect() as conn:
                conn.execute("update app.batch_runs set status = 'skipped' where id = :id",
                             {"id": run_id})
    finally:
        release.set()
    blocker.result(timeout=60)
    pipeline._executor().submit(lambda: None).result(timeout=60)  # the queue drained
    for run_id in (first, second, other):
        status, _ = _status(warehouse, run_id)
        assert status == "skipped"
        assert get_batch_run(warehouse, run_id)["started_at"] is None  # never ran


def test_claiming_runs_a_queued_run_once_and_never_an_ended_one(settings):
    from ingest.warehouse import get_warehouse

    warehouse = get_warehouse(settings)
    ensure_schema(warehouse)
    run_id = create_batch_run(warehouse, "daily_update")
    assert claim_batch_run(warehouse, run_id)
    assert _status(warehouse, run_id)[0] == "running"
    with warehouse.connect() as conn:
        conn.execute("update app.batch_runs set status = 'skipped' where id = :id",
                     {"id": run_id})
    assert not claim_batch_run(warehouse, run_id)
    assert _status(warehouse, run_id)[0] == "skipped"


def test_queued_rows_older_than_an_hour_are_not_counted(settings):
    from ingest.warehouse import get_warehouse

    warehouse = get_warehouse(settings)
    ensure_schema(warehouse)
    stale = create_batch_run(warehouse, "daily_update")
    create_batch_run(warehouse, "daily_update")
    old = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(hours=2)
    with warehouse.connect() as conn:
        conn.execute("update app.batch_runs set created_at = :old where id = :id",
                     {"old": old, "id": stale})
    assert queued_run_count(warehouse) == 1
