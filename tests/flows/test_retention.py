"""Retention of daily snapshots: ``marts.fct_portfolio_snapshot_history`` accumulates the
90-session window day by day and drops rows older than 365 days before the as-of date.

Per warehouse (DuckDB and PostgreSQL) one build: the demo books run through the whole
batch as of EARLY, then as of AS_OF one week later, so the history holds both windows.
The retention tests then plant rows and rerun the snapshot step (dbt stage 2).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

import pandas as pd
import pytest

from api.demo import load_demo_books
from flows import steps
from flows.dbt_runner import run_dbt
from flows.pipeline import run_pipeline
from ingest.calendar import sessions
from ingest.config import Settings
from ingest.warehouse import Warehouse
from tests.conftest import WAREHOUSE_KINDS, dispose_settings, make_settings

EARLY = dt.date(2026, 11, 13)
AS_OF = dt.date(2026, 11, 20)  # five sessions later
KEY = ["portfolio_id", "snapshot_date"]
HISTORY = "select * from marts.fct_portfolio_snapshot_history order by portfolio_id, snapshot_date"
SNAPSHOTS = "select * from marts.fct_portfolio_snapshots order by portfolio_id, snapshot_date"


@dataclass
class Built:
    settings: Settings
    warehouse: Warehouse
    early_snapshots: pd.DataFrame

    def frame(self, sql: str) -> pd.DataFrame:
        with self.warehouse.connect() as conn:
            frame = conn.fetch_df(sql)
        frame["snapshot_date"] = pd.to_datetime(frame["snapshot_date"])
        return frame.reset_index(drop=True)

    def plant(self, days_before_as_of: int) -> dt.date:
        """Copy each portfolio's AS_OF row to AS_OF - ``days_before_as_of`` days."""
        day = AS_OF - dt.timedelta(days=days_before_as_of)
        columns = ", ".join(self.frame(HISTORY).columns.drop(KEY))
        with self.warehouse.connect() as conn:
            conn.execute(
                f"insert into marts.fct_portfolio_snapshot_history (portfolio_id, "
                f"snapshot_date, {columns}) select portfolio_id, :day, {columns} "
                "from marts.fct_portfolio_snapshots where snapshot_date = :as_of",
                {"day": day, "as_of": AS_OF})
        return day


@pytest.fixture(scope="module", params=WAREHOUSE_KINDS)
def built(request, tmp_path_factory) -> Iterator[Built]:
    settings = make_settings(request.param, tmp_path_factory.mktemp(f"retention-{request.param}"))
    warehouse = Warehouse(settings)
    try:
        load_demo_books(warehouse, AS_OF)
        run_pipeline(settings, warehouse=warehouse, as_of=EARLY)
        with warehouse.connect() as conn:
            early = conn.fetch_df(SNAPSHOTS)
        early["snapshot_date"] = pd.to_datetime(early["snapshot_date"])
        run_pipeline(settings, warehouse=warehouse, as_of=AS_OF)
        yield Built(settings, warehouse, early)
    finally:
        warehouse.close()
        dispose_settings(settings)


def _sessions_per_portfolio(frame: pd.DataFrame) -> dict[int, int]:
    return {int(key): int(value) for key, value in frame.groupby("portfolio_id").size().items()}


def test_history_keeps_the_sessions_that_left_the_window(built):
    history, window = built.frame(HISTORY), built.frame(SNAPSHOTS)
    window_start = window["snapshot_date"].min()
    assert window["snapshot_date"].max() == pd.Timestamp(AS_OF)
    assert _sessions_per_portfolio(window) == {1: 90, 2: 90}
    left = [pd.Timestamp(day) for day in sessions(built.early_snapshots["snapshot_date"].min()
                                                    .date(), EARLY)
            if pd.Timestamp(day) < window_start]
    assert len(left) == 5  # the window moved five sessions
    assert _sessions_per_portfolio(history) == {1: 95, 2: 95}
    # Inside the window the history is the window; before it, the earlier build's rows.
    # (the history keeps the snapshot figures; the window's stale-price count is not one)
    inside = history[history["snapshot_date"] >= window_start].reset_index(drop=True)
    pd.testing.assert_frame_equal(inside, window[history.columns], check_dtype=False)
    before = history[history["snapshot_date"] < window_start].reset_index(drop=True)
    expected = built.early_snapshots[built.early_snapshots["snapshot_date"].isin(left)]
    pd.testing.assert_frame_equal(before, expected[history.columns].reset_index(drop=True),
                                  check_dtype=False)


def test_snapshot_step_drops_rows_older_than_365_days_and_rerun_changes_nothing(built):
    before = built.frame(HISTORY)
    too_old = built.plant(366)
    oldest_kept = built.plant(365)
    kept = built.plant(200)
    assert len(built.frame(HISTORY)) == len(before) + 6

    steps.dbt_stage2_step(built.settings)
    after = built.frame(HISTORY)
    dates = set(after["snapshot_date"].dt.date)
    assert too_old not in dates
    assert {oldest_kept, kept} <= dates
    assert len(after) == len(before) + 4
    pd.testing.assert_frame_equal(
        after[~after["snapshot_date"].dt.date.isin({oldest_kept, kept})]
        .reset_index(drop=True), before, check_dtype=False)

    steps.dbt_stage2_step(built.settings)  # the same day again
    pd.testing.assert_frame_equal(built.frame(HISTORY), after)

    with built.warehouse.connect() as conn:  # leave the shared build as it was
        conn.execute("delete from marts.fct_portfolio_snapshot_history "
                     "where snapshot_date in (:a, :b)", {"a": oldest_kept, "b": kept})
    pd.testing.assert_frame_equal(built.frame(HISTORY), before)


def test_window_rows_no_longer_in_the_marts_are_removed(built):
    """Inside the window the history follows the marts (e.g. a book replaced)."""
    before = built.frame(HISTORY)
    window_start = built.frame(SNAPSHOTS)["snapshot_date"].min().date()
    with built.warehouse.connect() as conn:
        conn.execute(
            "insert into marts.fct_portfolio_snapshot_history select 999, snapshot_date, "
            "equity, market_value, long_exposure, short_exposure, gross_exposure, "
            "net_exposure, daily_pnl, mtd_pnl, ytd_pnl, cumulative_pnl, portfolio_value, "
            "previous_portfolio_value, daily_return, position_count, long_count, "
            "short_count, lc_count, lp_count, sc_count, sp_count "
            "from marts.fct_portfolio_snapshot_history where portfolio_id = 1")
    run_dbt(["run", "--select", "fct_portfolio_snapshot_history"], built.settings)
    after = built.frame(HISTORY)
    ghost = after[after["portfolio_id"] == 999]
    assert len(ghost) == 5  # the rows that left the window stay: that is the history
    assert (ghost["snapshot_date"].dt.date < window_start).all()
    with built.warehouse.connect() as conn:
        conn.execute("delete from marts.fct_portfolio_snapshot_history where portfolio_id = 999")
    pd.testing.assert_frame_equal(built.frame(HISTORY), before)


def test_full_refresh_keeps_the_history(built):
    before = built.frame(HISTORY)
    run_dbt(["run", "--full-refresh", "--select", "fct_portfolio_snapshot_history"],
            built.settings)
    pd.testing.assert_frame_equal(built.frame(HISTORY), before)
    run_dbt(["test", "--select", "fct_portfolio_snapshot_history"], built.settings)
