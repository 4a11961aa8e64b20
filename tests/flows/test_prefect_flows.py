"""Prefect flows under ``prefect_test_harness``: schedules, failure isolation, idempotency,
holidays, and the ``app.batch_runs`` row a flow keeps up to date when started for one
(``batch_run_id``). The warehouse is a real DuckDB file built from the demo book.
The dispatch from the API to a served deployment is in ``test_prefect_ui.py``."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from prefect.testing.utilities import prefect_test_harness

from api.demo import load_demo_books
from flows import pipeline, steps
from flows.deployments import SCHEDULES, TIMEZONE, deployments
from flows.plan import BATCH_PLAN
from flows.prefect_flows import (
    cache_warming_flow,
    daily_update,
    market_data_flow,
    portfolio_backfill,
    risk_metrics_flow,
    snapshots_flow,
)
from ingest.backfill_progress import read_progress
from ingest.config import get_settings
from ingest.warehouse import close_all_warehouses, get_warehouse
from ingest.warehouse.batch_runs import create_batch_run, get_batch_run
from ingest.warehouse.schema import ensure_schema

AS_OF = dt.date(2026, 11, 20)
MARTS = "select * from marts.fct_portfolio_snapshots order by portfolio_id, snapshot_date"
BACKFILL: dict = {}  # the demo_env backfill: its batch run id and the flow's report
HISTORY = ("select * from marts.fct_portfolio_snapshot_history "
           "order by portfolio_id, snapshot_date")


@pytest.fixture(scope="module")
def harness():
    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture(scope="module")
def demo_env(harness, tmp_path_factory):
    """Environment pointing get_settings() at a fresh DuckDB warehouse with the demo book."""
    directory = tmp_path_factory.mktemp("prefect")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SIGMASIGHT_DATA_DIR", str(directory))
        patch.setenv("SIGMASIGHT_AS_OF_DATE", AS_OF.isoformat())
        patch.setenv("SIGMASIGHT_FLOW_RETRY_DELAY_SECONDS", "0")
        patch.setenv("SIGMASIGHT_DUCKDB_IDLE_RELEASE_SECONDS", "0")
        get_settings.cache_clear()
        settings = get_settings()
        warehouse = get_warehouse(settings)
        portfolio_id = load_demo_books(warehouse, today=AS_OF)["demo_user_1"]
        run_id = create_batch_run(warehouse, "portfolio_backfill", portfolio_id=portfolio_id)
        report = portfolio_backfill(portfolio_id, batch_run_id=run_id)
        BACKFILL.update(run_id=run_id, report=report)
        yield settings
        close_all_warehouses()
        get_settings.cache_clear()


@pytest.fixture(autouse=True)
def _isolated_global_settings():
    """Replaces the suite's per-test settings isolation: this module shares one warehouse."""
    return


def _marts(settings, sql: str = MARTS) -> pd.DataFrame:
    with get_warehouse(settings).connect() as conn:
        return conn.fetch_df(sql)


def _new_run(settings, kind: str = "daily_update") -> str:
    return create_batch_run(get_warehouse(settings), kind)


def test_three_scheduled_deployments_with_exact_cron_and_timezone(harness):
    found = {}
    for deployment in deployments():
        for schedule in deployment.schedules or []:
            found[deployment.name] = (schedule.schedule.cron, schedule.schedule.timezone)
    assert found == {name: (cron, TIMEZONE) for name, cron in SCHEDULES.items()}
    assert SCHEDULES == {"cache-warming": "0 6 * * 1-5", "market-data": "0 16 * * 1-5",
                         "risk-metrics": "0 17 * * 1-5", "snapshots": "30 17 * * 1-5"}


def test_backfill_flow_marks_its_batch_run_with_symbol_progress(demo_env):
    run_id, report = BACKFILL["run_id"], BACKFILL["report"]
    run = get_batch_run(get_warehouse(demo_env), run_id)
    assert run["status"] == "completed", run
    assert run["progress"] == 1.0
    assert run["started_at"] <= run["finished_at"]
    assert run["details"]["market_data"]["symbols"] == report["market_data"]["symbols"]
    progress = read_progress(get_warehouse(demo_env), run_id)
    assert progress["status"] == "completed"
    assert progress["total_symbols"] == progress["processed_symbols"] == len(
        report["market_data"]["symbols"]) > 50
    assert progress["failed_symbols"] == 0
    assert progress["error_details"] == {}


def test_holiday_run_is_a_noop(demo_env):
    before = _marts(demo_env)
    run_id = _new_run(demo_env)
    result = daily_update(as_of=dt.date(2026, 11, 26), batch_run_id=run_id)  # Thanksgiving
    assert result["skipped"] is True
    pd.testing.assert_frame_equal(before, _marts(demo_env))
    run = get_batch_run(get_warehouse(demo_env), run_id)
    assert (run["status"], run["progress"]) == ("skipped", 1.0)
    assert "not an XNYS session" in run["message"]
    assert read_progress(get_warehouse(demo_env), run_id) is None  # nothing was loaded


def _data_version(settings) -> int:
    with get_warehouse(settings).connect() as conn:
        row = conn.fetch_one("select version from app.data_version where id = 0")
    return row["version"] if row else 0


def test_rerunning_a_day_changes_nothing(demo_env):
    before, history = _marts(demo_env), _marts(demo_env, HISTORY)
    version = _data_version(demo_env)
    run_id = _new_run(demo_env)
    report = daily_update(as_of=AS_OF, batch_run_id=run_id)
    # prices, then marts, were rewritten: the API's response cache must not serve old ones.
    # Four bumps: after the prices, after the marts, and dbt's on-run-end hook of each of
    # the two dbt invocations (stage 1, stage 2).
    assert _data_version(demo_env) == version + 4
    pd.testing.assert_frame_equal(before, _marts(demo_env))
    pd.testing.assert_frame_equal(history, _marts(demo_env, HISTORY))
    run = get_batch_run(get_warehouse(demo_env), run_id)
    assert (run["status"], run["progress"], run["error"]) == ("completed", 1.0, None)
    assert set(run["details"]["timings"]) == {step.name for step in BATCH_PLAN}
    assert run["details"]["risk"]["rows"] == report["risk"]["rows"]
    progress = read_progress(get_warehouse(demo_env), run_id)
    assert progress["status"] == "completed"
    assert progress["processed_symbols"] == progress["total_symbols"] > 50


def test_failed_risk_step_leaves_previous_marts(demo_env, monkeypatch):
    before = _marts(demo_env)

    def broken_risk_step(*args, **kwargs):
        raise RuntimeError("forced failure in the risk step")

    monkeypatch.setattr(steps, "run_risk_step", broken_risk_step)
    run_id = _new_run(demo_env)
    state = daily_update(as_of=AS_OF, batch_run_id=run_id, return_state=True)
    assert state.is_failed()
    with pytest.raises(RuntimeError, match="forced failure in the risk step"):
        state.result()
    pd.testing.assert_frame_equal(before, _marts(demo_env))
    run = get_batch_run(get_warehouse(demo_env), run_id)
    assert run["status"] == "failed"
    assert "forced failure in the risk step" in run["error"]
    assert run["progress"] == pytest.approx(0.35)  # market data done, risk failed
    assert run["finished_at"] is not None


def test_unreachable_prefect_server_fails_the_run_without_running_it(settings, monkeypatch):
    """With PREFECT_API_URL set the API dispatches; a dead server is a failed run."""
    ensure_schema(get_warehouse(settings))
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:9/api")  # nothing listens
    monkeypatch.setattr(pipeline, "_executor", lambda: pytest.fail("ran in-process"))
    run_id = pipeline.submit_daily_update(settings, today=AS_OF)
    run = get_batch_run(get_warehouse(settings), run_id)
    assert run["status"] == "failed", run
    assert "daily-update/daily-update" in run["error"]
    assert "127.0.0.1:9" in run["error"]
    assert run["details"] == {"prefect_api_url": "http://127.0.0.1:9/api",
                              "prefect_deployment": "daily-update/daily-update"}
    close_all_warehouses()


def test_each_scheduled_flow_is_a_recorded_noop_on_a_holiday(demo_env):
    before = _marts(demo_env)
    thanksgiving = dt.date(2026, 11, 26)
    for kind, run in (("cache_warming", cache_warming_flow), ("market_data", market_data_flow),
                      ("risk_metrics", risk_metrics_flow), ("snapshots", snapshots_flow)):
        assert run(as_of=thanksgiving)["skipped"] is True
        with get_warehouse(demo_env).connect() as conn:
            row = conn.fetch_one("select status, message from app.batch_runs where kind = :k "
                                 "order by created_at desc limit 1", {"k": kind})
        assert row["status"] == "skipped"
        assert "not an XNYS session" in row["message"]
    pd.testing.assert_frame_equal(before, _marts(demo_env))
