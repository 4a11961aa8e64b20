"""One bad book never breaks everyone's batch (both warehouses).

demo_user_2's book passed the upload, then one of its rows was changed in the database to a
quantity the validator refuses (1e308: dbt's mart tests fail on the values it produces).
demo_user_1's backfill and the daily update must still complete and publish demo_user_1's
marts; demo_user_2's portfolio is held out with a reason that its owner and the admin see,
and demo_user_1 learns nothing of demo_user_2's book from the shared run.

Before the daily update demo_admin uploads a book within every bound, and the risk step is
made to write a negative volatility for that portfolio (a planted numerical fault: a mart
test refuses it): stage 2 fails, its fallback holds that portfolio out and rebuilds, and
the daily update still completes and publishes demo_user_1's marts.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from api.seed import seed_demo_users
from flows import pipeline, steps
from ingest.quarantine import check_books
from ingest.upload import upload_positions_csv
from ingest.warehouse import close_all_warehouses, get_warehouse
from ingest.warehouse.schema import ensure_schema
from tests.api.conftest import KINDS, PASSWORDS
from tests.conftest import dispose_settings, make_settings

AS_OF = dt.date(2026, 11, 20)
HEADER = b"ticker,quantity,entry_price,entry_date,tags\n"
GOOD = HEADER + b"AAPL,100,150,2026-06-01,\nGOOG,-20,170,2026-06-01,\n"
OTHER = HEADER + b"NVDA,10,120,2026-06-01,\nAMZN,5,180,2026-06-01,\n"


@pytest.fixture(scope="module", params=KINDS)
def world(request, tmp_path_factory):
    settings = make_settings(request.param, tmp_path_factory.mktemp(request.param),
                             as_of_date=AS_OF)
    warehouse = get_warehouse(settings)
    ensure_schema(warehouse)
    users = seed_demo_users(warehouse, rounds=4)
    good = upload_positions_csv(warehouse, user_id=users["demo_user_1"], data=GOOD, today=AS_OF)
    bad = upload_positions_csv(warehouse, user_id=users["demo_user_2"], data=OTHER,
                               today=AS_OF)
    with warehouse.connect() as conn:  # a row no upload would accept
        conn.execute("update app.positions set quantity = 1e308 where portfolio_id = :p "
                     "and symbol = 'NVDA'", {"p": bad.portfolio_id})
    backfill = pipeline.wait_for(pipeline.submit_portfolio_backfill(
        settings, good.portfolio_id, requested_by=users["demo_user_1"]), settings, 900)
    faulty = upload_positions_csv(warehouse, user_id=users["demo_admin"], data=GOOD,
                                  today=AS_OF).portfolio_id
    real_risk_step = steps.run_risk_step

    def risk_step_with_a_fault(*args, **kwargs):
        report = real_risk_step(*args, **kwargs)
        with warehouse.connect() as conn:
            conn.execute("update analytics.portfolio_risk_metrics set volatility = -1 "
                         "where portfolio_id = :p", {"p": faulty})
        return report

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(steps, "run_risk_step", risk_step_with_a_fault)
        daily = pipeline.wait_for(pipeline.submit_daily_update(
            settings, requested_by=users["demo_admin"], today=AS_OF), settings, 900)
    client = TestClient(create_app(settings))
    tokens = {name: client.post("/api/v1/auth/login", json={
        "username": name, "password": password}).json()["token"]
        for name, password in PASSWORDS.items()}
    yield {"settings": settings, "warehouse": warehouse, "good": good.portfolio_id,
           "bad": bad.portfolio_id, "faulty": faulty, "backfill": backfill, "daily": daily,
           "client": client,
           "headers": {name: {"Authorization": f"Bearer {token}"}
                       for name, token in tokens.items()}}
    close_all_warehouses()
    dispose_settings(settings)


def _rows(world, sql: str) -> list[dict]:
    with world["warehouse"].connect() as conn:
        return conn.fetch_dicts(sql)


def test_the_other_books_backfill_and_the_daily_update_complete_and_publish(world):
    backfill, daily = world["backfill"], world["daily"]
    assert backfill["status"] == daily["status"] == "completed", (backfill, daily)
    assert f"except 1 held out by the batch's checks: {world['bad']}" in backfill["message"]
    held = ", ".join(str(p) for p in sorted((world["bad"], world["faulty"])))
    assert f"except 2 held out by the batch's checks: {held}" in daily["message"]
    published = _rows(world, "select distinct portfolio_id from marts.fct_portfolio_snapshots")
    assert [row["portfolio_id"] for row in published] == [world["good"]]
    # the as-of market value is Σ |quantity| × close, from the raw closes
    closes = {r["symbol"]: r["close"] for r in _rows(
        world, f"select symbol, close from raw.prices_daily where price_date = "
               f"'{AS_OF.isoformat()}' and symbol in ('AAPL', 'GOOG')")}
    snapshot = _rows(world, f"select market_value from marts.fct_portfolio_snapshots "
                            f"where snapshot_date = '{AS_OF.isoformat()}'")
    assert snapshot[0]["market_value"] == pytest.approx(
        100 * closes["AAPL"] + 20 * closes["GOOG"], abs=0.005)
    assert _rows(world, "select distinct portfolio_id from marts.dim_positions") == [
        {"portfolio_id": world["good"]}]


def test_the_held_out_books_are_quarantined_with_their_reasons(world):
    bad, faulty = _rows(world, "select portfolio_id, reason from app.portfolio_quarantine "
                               "order by portfolio_id")
    assert (bad["portfolio_id"], faulty["portfolio_id"]) == (world["bad"], world["faulty"])
    assert "NVDA: quantity 1e+308" in bad["reason"]
    assert "expression_is_true_fct_portfolio_risk_metrics" in faulty["reason"]
    client, headers = world["client"], world["headers"]
    response = client.get("/api/v1/portfolio", headers=headers["demo_user_2"])
    assert response.status_code == 409, response.text
    assert response.json()["error"]["code"] == "portfolio_quarantined"
    assert "NVDA: quantity 1e+308" in response.json()["error"]["message"]
    assert client.get("/api/v1/portfolio", headers=headers["demo_user_1"]).status_code == 200
    admin = client.get(f"/api/v1/batch-runs/{world['backfill']['id']}",
                       headers=headers["demo_admin"]).json()["data"]
    assert "NVDA" in admin["details"]["dbt_stage1"]["quarantined"][str(world["bad"])]


def test_the_shared_run_shows_its_owner_nothing_of_the_other_book(world):
    client, headers = world["client"], world["headers"]
    url = f"/api/v1/batch-runs/{world['backfill']['id']}"
    mine = client.get(url, headers=headers["demo_user_1"])
    assert mine.status_code == 200
    text = mine.text
    assert "NVDA" not in text
    assert "AMZN" not in text
    assert f'"{world["bad"]}"' not in json.dumps(mine.json()["data"]["details"])
    run = mine.json()["data"]
    assert run["message"] == "completed"
    assert {"AAPL", "GOOG", "SPY"} <= set(run["details"]["market_data"]["symbols"])
    assert run["backfill"]["total_symbols"] == 2 + 7  # AAPL, GOOG and the 7 factor ETFs
    assert client.get(url, headers=headers["demo_user_2"]).status_code == 404


def test_a_corrected_book_is_released_by_the_next_check(world):
    with world["warehouse"].connect() as conn:
        conn.execute("update app.positions set quantity = 10 where portfolio_id = :p "
                     "and symbol = 'NVDA'", {"p": world["bad"]})
    assert check_books(world["warehouse"]) == {}  # the fallback's verdict is re-tested
    assert _rows(world, "select * from app.portfolio_quarantine") == []
