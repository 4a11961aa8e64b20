"""A failed run says exactly what it published, and shows its owner a code and a reference
while the admin (and the log) keep the details."""

from __future__ import annotations

from api.queries.batch_runs import visible_run
from flows.dbt_runner import DbtError
from flows.plan import failure_message
from flows.progress import BatchReporter
from ingest.warehouse.batch_runs import create_batch_run
from ingest.warehouse.schema import ensure_schema

PREVIOUS = "no mart was rebuilt (the marts show the previous run)"


def test_each_failure_point_names_what_was_published():
    assert failure_message([], RuntimeError("x")) == (
        f"failed at market_data: no prices were published; {PREVIOUS}")
    assert failure_message(["market_data"], RuntimeError("x")) == (
        f"failed at dbt_stage1: this run's prices were published; {PREVIOUS}")
    assert failure_message(["market_data", "dbt_stage1"], "x") == (
        f"failed at risk: this run's prices were published; {PREVIOUS}")
    done = ["market_data", "dbt_stage1", "risk"]
    partial = DbtError("dbt failed", built=["dim_positions", "fct_position_greeks",
                                            "stg_analytics__position_greeks"])
    assert failure_message(done, partial) == (
        "failed at dbt_stage2: this run's prices were published; these marts were rebuilt "
        "before the failure and show this run: dim_positions, fct_position_greeks; the "
        "others show the previous run")
    assert failure_message(done, DbtError("dbt failed")) == (
        f"failed at dbt_stage2: this run's prices were published; {PREVIOUS}")


def test_the_owner_sees_a_code_and_reference_the_admin_the_details(warehouse):
    ensure_schema(warehouse)
    with warehouse.connect() as conn:
        conn.execute("insert into app.portfolios (id, user_id, name) values (5, 1, 'Main')")
    run_id = create_batch_run(warehouse, "portfolio_backfill", portfolio_id=5, requested_by=1)
    reporter = BatchReporter(warehouse, run_id)
    assert reporter.started("loading market data")
    reporter.step_done("market_data", 0.35)
    reporter.failed(DbtError("dbt build --select tag:stage1 failed: not_null_stg_x: "
                             "Got 3 results across 12 portfolios"))
    owner = visible_run(warehouse, run_id, user_id=1, is_admin=False)
    admin = visible_run(warehouse, run_id, user_id=99, is_admin=True)
    assert owner["error"] == f"batch_failed: the batch run failed (reference {run_id})"
    assert "portfolios" not in str(owner)
    assert "12 portfolios" in admin["error"]
    assert owner["message"] == admin["message"] == (
        f"failed at dbt_stage1: this run's prices were published; {PREVIOUS}")
    assert visible_run(warehouse, run_id, user_id=2, is_admin=False) is None
