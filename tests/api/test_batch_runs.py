"""POST /admin/daily-update (admin only) and GET /batch-runs/{id} (owner or admin)."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient

from api.main import create_app
from tests.api.conftest import error_of, ok_data, wait_for_run

SATURDAY = dt.date(2026, 11, 21)


def test_daily_update_is_admin_only(env):
    for user in ("demo_user_1", "demo_user_2"):
        error = error_of(env.client.post("/api/v1/admin/daily-update",
                                         headers=env.headers(user)), 403, "forbidden")
        assert "admin" in error["message"]
    error_of(env.client.post("/api/v1/admin/daily-update"), 401)
    error_of(env.client.get("/api/v1/admin/daily-update", headers=env.headers("demo_admin")),
             405, "method_not_allowed")


def test_daily_update_on_a_holiday_is_recorded_as_skipped(env):
    """The admin's run goes through the real runner; on a Saturday it is a no-op."""
    before = env.rows("select count(*) as n from app.batch_runs")[0]["n"]
    weekend = env.settings.model_copy(update={"as_of_date": SATURDAY})
    client = TestClient(create_app(weekend))
    response = client.post("/api/v1/admin/daily-update", headers=env.headers("demo_admin"))
    run_id = ok_data(response, 202)["batch_run_id"]
    run = wait_for_run(env, run_id, "demo_admin", timeout=60)
    assert run["status"] == "skipped"
    assert run["kind"] == "daily_update"
    assert run["requested_by"] == env.users["demo_admin"]
    assert "not an XNYS session" in run["message"]
    assert env.rows("select count(*) as n from app.batch_runs")[0]["n"] == before + 1
    # a run started by the admin is not visible to users
    error_of(env.get(f"/api/v1/batch-runs/{run_id}", "demo_user_1"), 404)


def test_backfill_run_is_visible_to_its_owner_and_the_admin_only(env):
    run_id = env.upload["batch_run_id"]
    mine = ok_data(env.get(f"/api/v1/batch-runs/{run_id}", "demo_user_1"))
    stored = env.rows("select * from app.batch_runs where id = :id", {"id": run_id})[0]
    assert mine["id"] == run_id
    assert mine["status"] == stored["status"] == "completed"
    assert mine["progress"] == stored["progress"] == 1.0
    assert mine["portfolio_id"] == env.portfolios["demo_user_1"]
    assert set(mine["details"]["timings"]) >= {"market_data", "dbt_stage1", "dbt_stage2"}
    assert ok_data(env.get(f"/api/v1/batch-runs/{run_id}", "demo_admin"))["id"] == run_id
    error = error_of(env.get(f"/api/v1/batch-runs/{run_id}", "demo_user_2"), 404, "not_found")
    assert "details" not in error["message"]
    error_of(env.get("/api/v1/batch-runs/does-not-exist", "demo_admin"), 404)
