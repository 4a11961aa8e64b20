"""Per-user rate limit of the authenticated routes, through HTTP, on both warehouses."""

from __future__ import annotations

import time

from fastapi.testclient import TestClient

from api.main import create_app
from tests.api.conftest import error_of, ok_data


def test_the_61st_request_in_a_minute_is_refused_and_other_users_are_not(env):
    client = TestClient(create_app(env.settings.model_copy(update={"rate_limit": "60/minute"})))
    user_1, user_2 = env.headers("demo_user_1"), env.headers("demo_user_2")
    started = time.monotonic()
    answers = [client.get("/api/v1/portfolio", headers=user_1) for _ in range(60)]
    elapsed = time.monotonic() - started
    assert elapsed < 50, "the 60 requests must fall inside one minute for this test"
    assert [r.status_code for r in answers] == [200] * 60
    assert sum(r.headers.get("x-cache") == "hit" for r in answers) >= 58  # cached hits count

    refused = client.get("/api/v1/positions", headers=user_1)
    error = error_of(refused, 429, "too_many_requests")
    retry_after = int(refused.headers["Retry-After"])
    # the oldest counted request leaves the window 60 s after it was sent
    assert 60 - (time.monotonic() - started) - 1 <= retry_after <= 60
    assert error["details"] == {"limit": "60/minute", "retry_after_seconds": retry_after}

    ok_data(client.get("/api/v1/portfolio", headers=user_2))  # another user: unaffected
    assert client.get("/healthz").status_code == 200  # probes are not limited
    assert client.get("/api/v1/portfolio").status_code == 401  # no token: not counted


def test_every_authenticated_operation_documents_the_429(env):
    spec = env.client.get("/api/v1/openapi.json").json()
    secured = [(path, op) for path, item in spec["paths"].items() for op in item.values()
               if op.get("security")]
    assert secured
    for path, op in secured:
        example = op["responses"]["429"]["content"]["application/json"]["example"]
        assert example["error"]["code"] == "too_many_requests", path
