"""Prefect flows under ``prefect_test_harness``: schedules, failure isolation, idempotency,
holidays. The warehouse is a real DuckDB file built from the demo book."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from prefect.testing.utilities import prefect_test_harness

from flows import steps
from flows.demo import load_demo_books
from flows.deployments import SCHEDULES, TIMEZONE, deployments
from flows.prefect_flows import daily_update, portfolio_backfill
from ingest.config import get_settings
from ingest.warehouse import close_all_warehouses, get_warehouse

AS_OF = dt.date(2026, 11, 20)
MARTS = "select * from marts.fct_portfolio_snapshots order by portfolio_id, snapshot_date"


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
        load_demo_books(get_warehouse(settings), today=AS_OF)
        portfolio_backfill(1)
        yield settings
        close_all_warehouses()
        get_settings.cache_clear()


@pytest.fixture(autouse=True)
def _isolated_global_settings():
    """Replaces the suite's per-test settings isolation: this module shares one warehouse."""
    return


def _marts(settings) -> pd.DataFrame:
    with get_warehouse(settings).connect() as conn:
        return conn.fetch_df(MARTS)


def test_three_scheduled_deployments_with_exact_cron_and_timezone(harness):
    found = {}
    for deployment in deployments():
        for schedule in deployment.schedules or []:
            found[deployment.name] = (schedule.schedule.cron, schedule.schedule.timezone)
    assert found == {name: (cron, TIMEZONE) for name, cron in SCHEDULES.items()}
    assert SCHEDULES == {"market-data": "0 16 * * 1-5", "risk-metrics": "0 17 * * 1-5",
                         "snapshots": "30 17 * * 1-5"}


def test_holiday_run_is_a_noop(demo_env):
    before = _marts(demo_env)
    result = daily_update(as_of=dt.date(2026, 11, 26))  # Thanksgiving: XNYS closed
    assert result["skipped"] is True
    pd.testing.assert_frame_equal(before, _marts(demo_env))


def test_rerunning_a_day_changes_nothing(demo_env):
    before = _marts(demo_env)
    daily_update(as_of=AS_OF)
    pd.testing.assert_frame_equal(before, _marts(demo_env))


def test_failed_risk_step_leaves_previous_marts(demo_env, monkeypatch):
    before = _marts(demo_env)

    def broken_risk_step(*args, **kwargs):
        raise RuntimeError("forced failure in the risk step")

    monkeypatch.setattr(steps, "run_risk_step", broken_risk_step)
    state = daily_update(as_of=AS_OF, return_state=True)
    assert state.is_failed()
    with pytest.raises(RuntimeError, match="forced failure in the risk step"):
        state.result()
    pd.testing.assert_frame_equal(before, _marts(demo_env))
