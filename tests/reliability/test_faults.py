"""Faults during the batch: each ends in a clear failed state, nothing is lost, and a
clean rerun restores marts identical to the clean build.

Per warehouse, a small book (demo_user_2's) is built once with the Polygon provider
pointed at the loopback fake (``tests/fakes/fake_polygon.py``); its ``marts`` tables
are hashed as the reference. Then, one by one:

- the warehouse disappears mid-run: PostgreSQL — every backend of the test database
  is terminated (``pg_terminate_backend``) while dbt runs; DuckDB — another process
  holds the file (a subprocess opens it read-write and sleeps);
- the provider times out (fake Polygon ``slow`` fault, client timeout 1 s) for a
  symbol whose cached response has expired;
- a disk write fails: the dbt target directory cannot be created (a file stands
  where the directory should be — the tests run as root, so permissions would not
  stop a write).

After each: the run is ``failed`` with its reason (or the call raised a clear
exception), the marts are unchanged, and a clean rerun completes with marts equal,
table by table and row by row, to the reference.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time

import psycopg
import pytest

from api.seed import seed_demo_users
from flows.pipeline import run_pipeline, submit_daily_update, wait_for
from ingest.upload import upload_positions_csv
from ingest.warehouse import WarehouseBusyError, get_warehouse
from ingest.warehouse.schema import ensure_schema
from tests.api.conftest import AS_OF, DEMO_DATA
from tests.conftest import PG_ADMIN_DSN, dispose_settings, make_settings
from tests.fakes.fake_polygon import FakePolygon
from tests.reliability.conftest import KINDS, changed_tables, count, table_digests

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module", params=KINDS)
def built(request, tmp_path_factory):
    """(settings, warehouse, fake, reference marts digests) of a clean build."""
    with FakePolygon() as fake:
        settings = make_settings(
            request.param, tmp_path_factory.mktemp(f"faults-{request.param}"), as_of_date=AS_OF,
            polygon_api_key=fake.api_key, polygon_base_url=fake.base_url,
            polygon_requests_per_minute=0, polygon_timeout_seconds=1.0, polygon_max_retries=0,
            yfinance_enabled=False, duckdb_lock_timeout_seconds=1.0)
        warehouse = get_warehouse(settings)
        ensure_schema(warehouse)
        users = seed_demo_users(warehouse, rounds=4)
        upload_positions_csv(warehouse, user_id=users["demo_user_2"],
                             data=(DEMO_DATA / "demo_user_2.csv").read_bytes(), today=AS_OF)
        run = wait_for(submit_daily_update(settings), settings)
        assert run["status"] == "completed", run
        reference = _marts(warehouse)
        assert reference["marts.fct_portfolio_snapshots"][0] > 0
        yield settings, warehouse, fake, reference
        warehouse.close()
        dispose_settings(settings)


def _marts(warehouse) -> dict:
    return table_digests(warehouse, ("marts",), skip_audit_times=True)


def _rerun_restores(settings, warehouse, reference) -> None:
    run = wait_for(submit_daily_update(settings), settings)
    assert run["status"] == "completed", run
    assert changed_tables(reference, _marts(warehouse)) == {}
    count("clean reruns after a fault, marts identical to the clean build")


def _marts_unchanged(warehouse, reference) -> None:
    assert changed_tables(reference, _marts(warehouse)) == {}, "a failed run changed the marts"


def test_warehouse_disappears_mid_run(built):
    settings, warehouse, _, reference = built
    count(f"faults injected ({settings.warehouse_kind})")
    if settings.warehouse_kind == "duckdb":
        warehouse.close()  # release the file: another process takes it
        holder = subprocess.Popen(
            [sys.executable, "-c", "import duckdb, sys, time\n"
             f"c = duckdb.connect({str(settings.duckdb_path)!r})\n"
             "print('locked', flush=True)\ntime.sleep(120)"],
            stdout=subprocess.PIPE, text=True)
        try:
            assert holder.stdout.readline().strip() == "locked"
            with pytest.raises(WarehouseBusyError, match="locked by another process"):
                run_pipeline(settings, warehouse=warehouse)
            with pytest.raises(WarehouseBusyError):
                submit_daily_update(settings)
        finally:
            holder.kill()
            holder.wait(10)
        _marts_unchanged(warehouse, reference)
    else:
        run_id = submit_daily_update(settings)
        database = settings.database_url.rsplit("/", 1)[1]
        killed = 0
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:  # wait until dbt stage 1 is under way
            run = wait_or_none(warehouse, run_id)
            if run and run["status"] != "queued" and (run.get("progress") or 0) >= 0.35:
                break
            time.sleep(0.05)
        with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as admin:
            # terminate every backend of the database until the run has failed (or got
            # past stage 1 regardless): under load dbt may still be parsing when the
            # market-data step ends, with no connection of its own to lose yet
            stop_at = time.monotonic() + 120
            while time.monotonic() < stop_at:
                killed += sum(1 for (ok,) in admin.execute(
                    "select pg_terminate_backend(pid) from pg_stat_activity "
                    "where datname = %s and pid <> pg_backend_pid()", (database,)) if ok)
                run = wait_or_none(warehouse, run_id)
                if run and (run["status"] in {"failed", "completed"}
                            or (run.get("progress") or 0) > 0.6):
                    break
                time.sleep(0.1)
        assert killed > 0
        run = wait_for(run_id, settings)
        assert run["status"] == "failed", run
        assert run["error"], run
        _marts_unchanged(warehouse, reference)
    _rerun_restores(settings, warehouse, reference)


def wait_or_none(warehouse, run_id):
    try:
        from flows.pipeline import get_batch_run
        return get_batch_run(warehouse, run_id)
    except Exception:  # noqa: BLE001 - the backends are being terminated
        return None


def test_provider_times_out(built):
    settings, warehouse, fake, reference = built
    count(f"faults injected ({settings.warehouse_kind})")
    with warehouse.connect() as conn:  # WMT's as-of bar is missing, its cache expired
        conn.execute("delete from raw.market_data_cache where symbol = 'WMT'")
        conn.execute("delete from raw.prices_daily where symbol = 'WMT' and price_date = :d",
                     {"d": AS_OF})
    fake.add_fault("WMT", "slow", delay=3.0)
    try:
        run = wait_for(submit_daily_update(settings), settings)
    finally:
        fake.clear()
    text = f"{run.get('error')} {run.get('details')}"
    assert "WMT" in text, run
    assert "timeout" in text.lower(), run  # the reason is recorded on the run
    with warehouse.connect() as conn:  # the other symbols' prices are all there
        missing = conn.fetchall(
            "select count(*) from raw.prices_daily where price_date = :d and symbol <> 'WMT'",
            {"d": AS_OF})[0][0]
    assert missing > 0
    _rerun_restores(settings, warehouse, reference)


def test_disk_write_fails(built):
    settings, warehouse, _, reference = built
    count(f"faults injected ({settings.warehouse_kind})")
    target = settings.data_dir / "dbt" / settings.warehouse_kind
    aside = target.with_name(target.name + ".aside")
    shutil.move(target, aside)
    target.write_text("not a directory")
    try:
        run = wait_for(submit_daily_update(settings), settings)
        assert run["status"] == "failed", run
        assert "dbt" in run["error"].lower(), run
    finally:
        target.unlink()
        shutil.move(aside, target)
    _marts_unchanged(warehouse, reference)
    _rerun_restores(settings, warehouse, reference)

