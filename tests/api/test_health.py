"""/healthz, /readyz and /metrics through HTTP, on both warehouses."""

from __future__ import annotations

import datetime as dt
import math
import random

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from flows.plan import BatchContext, Step, execute_plan
from ingest.polygon import PolygonProvider
from ingest.rate_limit import FakeClock, TokenBucket
from ingest.warehouse import Warehouse
from ingest.warehouse.migrate import head_revision
from ingest.warehouse.schema import baseline_statements
from tests.api.conftest import error_of, ok_data
from tests.fakes.fake_polygon import FakePolygon
from tests.utils.metrics import sample

HISTOGRAM = "sigmasight_http_request_duration_seconds_count"


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def test_healthz_answers_without_a_database(tmp_path):
    from ingest.config import Settings

    broken = Settings(environment="test", data_dir=tmp_path,
                      database_url="postgresql://nobody@127.0.0.1:1/none")
    response = TestClient(create_app(broken)).get("/healthz")
    assert ok_data(response) == {"status": "ok"}


def test_readyz_reports_each_check(warehouse: Warehouse):
    client = TestClient(create_app(warehouse.settings))
    data = ok_data(client.get("/readyz"))
    assert data["status"] == "ready"
    assert data["checks"]["warehouse"] == {"ok": True, "kind": warehouse.kind}
    assert data["checks"]["schema"] == {"ok": True, "revision": head_revision(),
                                        "head": head_revision()}
    assert data["checks"]["last_batch"]["last_completed_at"] is None

    finished = _utc_now() - dt.timedelta(hours=2)
    with warehouse.connect() as conn:
        conn.execute("insert into app.batch_runs (id, kind, status, finished_at) values "
                     "('r1', 'daily_update', 'completed', :at), "
                     "('r2', 'daily_update', 'failed', :later)",
                     {"at": finished, "later": _utc_now()})
    age = ok_data(client.get("/readyz"))["checks"]["last_batch"]["age_seconds"]
    assert 7200 <= age < 7200 + 60  # the failed run later does not count

    strict = warehouse.settings.model_copy(update={"ready_max_batch_age_hours": 1.0})
    error = error_of(TestClient(create_app(strict)).get("/readyz"), 503, "not_ready")
    assert error["details"]["last_batch"]["ok"] is False
    assert error["details"]["warehouse"]["ok"] is True
    lenient = warehouse.settings.model_copy(update={"ready_max_batch_age_hours": 3.0})
    assert TestClient(create_app(lenient)).get("/readyz").status_code == 200


def test_readyz_is_503_on_a_schema_behind(settings):
    old = Warehouse(settings)
    old.execute_script(baseline_statements())  # the previous release: baseline, no revisions
    error = error_of(TestClient(create_app(settings)).get("/readyz"), 503, "not_ready")
    assert error["details"]["schema"] == {"ok": False, "revision": "0001",
                                          "head": head_revision()}
    old.close()


def test_readyz_is_503_when_postgres_is_unreachable(tmp_path):
    from ingest.config import Settings

    settings = Settings(environment="test", data_dir=tmp_path,
                        database_url="postgresql://postgres@127.0.0.1:1/postgres")
    error = error_of(TestClient(create_app(settings)).get("/readyz"), 503, "not_ready")
    assert error["details"]["warehouse"]["ok"] is False
    assert "Unavailable" in error["details"]["warehouse"]["error"]


def test_metrics_count_requests_per_route_template_and_cache_hits(env):
    client = env.client
    before = client.get("/metrics").text
    tags = ok_data(env.get("/api/v1/tags"))
    for _ in range(2):
        env.get("/api/v1/portfolio/snapshots", params={"limit": 7})
    client.delete("/api/v1/tags/999999999", headers=env.headers("demo_user_2"))  # 404
    after = client.get("/metrics").text
    assert isinstance(tags, list)

    def delta(name: str, **labels: str) -> float:
        return sample(after, name, **labels) - sample(before, name, **labels)

    assert delta(HISTOGRAM, route="/api/v1/tags", method="GET", status="200") == 1
    assert delta(HISTOGRAM, route="/api/v1/portfolio/snapshots", status="200") == 2
    assert delta(HISTOGRAM, route="/api/v1/tags/{tag_id}", method="DELETE",
                 status="404") == 1
    assert delta(HISTOGRAM, route="/api/v1/tags/999999999") == 0  # no raw paths
    # the second snapshots request was answered by the cache (before any routing)
    assert delta("sigmasight_response_cache_lookups_total", result="hit") >= 1
    assert delta("sigmasight_response_cache_lookups_total", result="miss") >= 1
    assert client.get("/metrics").headers["content-type"].startswith("text/plain")


def test_batch_duration_and_outcome_are_observed(warehouse: Warehouse):
    client = TestClient(create_app(warehouse.settings))
    before = client.get("/metrics").text

    def boom(ctx: BatchContext) -> None:
        raise RuntimeError("provider down")

    plan = (Step("ok_step", 0.5, lambda ctx: None), Step("bad_step", 0.5, boom))
    ctx = BatchContext(warehouse.settings, warehouse)
    execute_plan(ctx, plan[:1])
    with pytest.raises(RuntimeError):
        execute_plan(ctx, plan)
    after = client.get("/metrics").text

    def delta(name: str, **labels: str) -> float:
        return sample(after, name, **labels) - sample(before, name, **labels)

    assert delta("sigmasight_batch_duration_seconds_count", outcome="completed") == 1
    assert delta("sigmasight_batch_duration_seconds_count", outcome="failed") == 1
    assert delta("sigmasight_batch_step_duration_seconds_count", step="ok_step",
                 outcome="completed") == 2
    assert delta("sigmasight_batch_step_duration_seconds_count", step="bad_step",
                 outcome="failed") == 1


def test_market_data_requests_and_429s_are_counted(duckdb_client):
    before = duckdb_client.get("/metrics").text
    with FakePolygon(page_size=1000) as fake:
        fake.add_fault("AAPL", "429", times=2, retry_after="1")
        provider = PolygonProvider(base_url=fake.base_url, api_key=fake.api_key,
                                   limiter=TokenBucket(math.inf), clock=FakeClock(),
                                   max_retries=3, rng=random.Random(0))
        provider.daily_bars(["AAPL", "MSFT"], dt.date(2025, 9, 2), dt.date(2025, 9, 30))
        served = [record.status for record in fake.log]
    after = duckdb_client.get("/metrics").text
    name = "sigmasight_market_data_requests_total"
    for outcome, status in (("rate_limited", 429), ("ok", 200)):
        counted = sample(after, name, provider="polygon", outcome=outcome) - sample(
            before, name, provider="polygon", outcome=outcome)
        assert counted == served.count(status)
    assert served.count(429) == 2


@pytest.fixture
def duckdb_client(tmp_path) -> TestClient:
    from tests.conftest import make_settings

    return TestClient(create_app(make_settings("duckdb", tmp_path)))
