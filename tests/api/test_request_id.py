"""X-Request-ID in and out, JSON log lines carrying it, and batch runs remembering it."""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import logging.config

from fastapi.testclient import TestClient

from api.main import create_app
from ingest.logs import logging_config
from tests.api.conftest import ok_data, wait_for_run

SATURDAY = dt.date(2026, 11, 21)


def test_request_id_is_echoed_or_created(fresh_env):
    client = fresh_env.client
    assert client.get("/healthz", headers={"X-Request-ID": "abc-123"}).headers[
        "x-request-id"] == "abc-123"
    created = client.get("/healthz").headers["x-request-id"]
    assert len(created) == 32
    assert int(created, 16) >= 0
    refused = client.get("/healthz", headers={"X-Request-ID": "bad id\twith spaces"})
    assert refused.headers["x-request-id"] != "bad id\twith spaces"
    assert len(refused.headers["x-request-id"]) == 32


def test_json_log_lines_carry_the_request_id(fresh_env):
    settings = fresh_env.settings.model_copy(update={"log_format": "json"})
    config = logging_config(settings)
    formatter = logging.config.dictConfigClass(config).configure_custom(
        dict(config["formatters"]["default"]))
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    access = logging.getLogger("sigmasight.access")
    access.addHandler(handler)
    access.setLevel(logging.INFO)
    try:
        TestClient(create_app(settings)).get("/api/v1/tags", headers={
            **fresh_env.headers("demo_user_1"), "X-Request-ID": "req-json-1"})
    finally:
        access.removeHandler(handler)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    line = next(item for item in lines if item.get("path") == "/api/v1/tags")
    assert line["request_id"] == "req-json-1"
    assert (line["method"], line["status"], line["level"]) == ("GET", 200, "INFO")
    assert line["logger"] == "sigmasight.access"
    assert line["duration_ms"] >= 0


def test_a_batch_run_remembers_the_request_that_started_it(fresh_env):
    weekend = fresh_env.settings.model_copy(update={"as_of_date": SATURDAY})
    client = TestClient(create_app(weekend))
    response = client.post("/api/v1/admin/daily-update", headers={
        **fresh_env.headers("demo_admin"), "X-Request-ID": "req-batch-7"})
    run_id = ok_data(response, 202)["batch_run_id"]
    run = wait_for_run(fresh_env, run_id, "demo_admin", timeout=60)
    assert run["status"] == "skipped"
    assert run["request_id"] == "req-batch-7"
    assert fresh_env.rows("select request_id from app.batch_runs where id = :id",
                          {"id": run_id}) == [{"request_id": "req-batch-7"}]
