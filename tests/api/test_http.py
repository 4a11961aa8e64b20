"""HTTP conformance: HEAD, Allow, security headers, bounded ids, keep-alive after a 500.

Expectations come from the served OpenAPI document (the methods of each path) and from
RFC 9110 (HEAD = GET without the body), not from the middleware under test.
"""

from __future__ import annotations

import http.client
import re
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from api.security_headers import DEFAULT_CSP
from api.server import uvicorn_options
from ingest.warehouse import ID_MAX
from tests.api.conftest import error_of, login, ok_data
from tests.utils.live_server import serve
from tests.utils.openapi import concrete

ALL_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
SECURITY_HEADERS = {"x-content-type-options": "nosniff", "x-frame-options": "DENY",
                    "referrer-policy": "no-referrer"}
VOLATILE = {"date", "x-cache", "content-length", "transfer-encoding", "x-request-id"}
# bodies that change between two requests: the batch age in seconds (/readyz)
VOLATILE_BODIES = {"/readyz"}


@pytest.fixture(scope="module")
def duck(api_builds):
    return api_builds.get("duckdb")


@pytest.fixture(scope="module")
def spec(duck):
    return duck.client.get("/api/v1/openapi.json").json()


def test_head_is_get_without_the_body_on_every_get_route(duck, spec):
    # /metrics changes with every request it counts (checked alone below)
    gets = [path for path, item in spec["paths"].items() if "get" in item
            and path != "/metrics"]
    assert len(gets) >= 20
    for path in gets:
        url = concrete(path)
        got = duck.get(url)
        head = duck.client.head(url, headers=duck.headers("demo_user_1"))
        assert head.status_code == got.status_code, (path, head.status_code, got.text[:200])
        assert head.content == b"", path
        same = {k: v for k, v in got.headers.items() if k not in VOLATILE}
        assert {k: v for k, v in head.headers.items() if k not in VOLATILE} == same, path
        if "content-length" in got.headers and path not in VOLATILE_BODIES:
            assert head.headers["content-length"] == got.headers["content-length"], path
    metrics = duck.client.head("/metrics")
    assert (metrics.status_code, metrics.content) == (200, b"")
    for url in ("/", "/docs", "/static/swagger-ui/swagger-ui.css"):
        head = duck.client.head(url)
        assert (head.status_code, head.content) == (200, b""), url


def test_405_lists_every_method_of_the_path(duck, spec):
    checked = 0
    for path, item in spec["paths"].items():
        documented = {method.upper() for method in item}
        expected = sorted(documented | ({"HEAD"} if "GET" in documented else set()))
        for method in sorted(set(ALL_METHODS) - documented):
            response = duck.client.request(method, concrete(path),
                                           headers=duck.headers("demo_user_1"))
            error_of(response, 405, "method_not_allowed")
            assert response.headers["allow"] == ", ".join(expected), (method, path)
            checked += 1
    assert checked > 100
    response = duck.client.post("/static/swagger-ui/swagger-ui.css")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD"
    response = duck.client.head("/api/v1/auth/login")  # POST only: no HEAD either
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"


def _assert_security_headers(response, csp: str | None = DEFAULT_CSP) -> None:
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, (response.url, name)
    policy = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy
    if csp is not None:
        assert policy == csp
    assert "strict-transport-security" not in response.headers  # environment=test


def test_every_kind_of_response_carries_the_security_headers(duck):
    client = duck.client
    cases = [duck.get("/api/v1/positions"), duck.get("/api/v1/positions"),  # miss, hit
             client.get("/api/v1/health"), client.get("/api/v1/portfolio"),  # 401
             client.get("/api/v1/nope"), client.delete("/api/v1/health"),
             duck.get("/api/v1/positions", params={"limit": "x"}),
             client.get("/"), client.get("/static/dashboard/dashboard.css"),
             client.head("/api/v1/health")]
    assert cases[1].headers["x-cache"] == "hit"  # development and test show it
    for response in cases:
        _assert_security_headers(response)
    docs = client.get("/docs")
    _assert_security_headers(docs, csp=None)
    inline = re.findall(r"<script>(.*?)</script>", docs.text, re.DOTALL)
    assert len(inline) == 1  # allowed by its hash, nothing else inline
    assert "script-src 'self' 'sha256-" in docs.headers["content-security-policy"]


def test_production_sends_hsts_and_hides_the_cache_header(duck):
    settings = duck.settings.model_copy(update={"environment": "production",
                                                "jwt_secret": "p" * 48})
    client = TestClient(create_app(settings))
    token = login(client, "demo_user_1").json()["token"]
    for _ in range(2):
        response = client.get("/api/v1/positions", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200
        assert "x-cache" not in response.headers
        assert response.headers["strict-transport-security"].startswith("max-age=")
        assert response.headers["x-content-type-options"] == "nosniff"


UNICODE_DIGITS = ["²", "٣", "１", "߂", "1²", "⁹"]
HUGE = [str(ID_MAX + 1), str(2**64), str(2**127), str(2**128 + 1), "9" * 40, "-" + "9" * 40]
CACHED_GETS = ["/api/v1/portfolio", "/api/v1/portfolio/snapshots", "/api/v1/positions",
               "/api/v1/risk/greeks", "/api/v1/risk/factors", "/api/v1/risk/metrics",
               "/api/v1/risk/exposures", "/api/v1/risk/concentration"]


def test_unicode_digits_and_huge_ids_answer_422_not_500(env):
    for path in CACHED_GETS:
        for value in [*UNICODE_DIGITS, *HUGE]:
            error_of(env.get(path, params={"portfolio_id": value}), 422, "validation_error")
        # repeated parameter: FastAPI reads the last one, and so does the cache key
        own = str(env.portfolios["demo_user_1"])
        error_of(env.get(path, params=[("portfolio_id", own), ("portfolio_id", "²")]), 422)
        ok_data(env.get(path, params=[("portfolio_id", "²"), ("portfolio_id", own)]))
        error_of(env.get(path, params={"portfolio_id": str(ID_MAX)}), 404)  # in range
    for template in ("/api/v1/positions/{}/tags", "/api/v1/tags/{}",
                     "/api/v1/modeling/sessions/" + "0" * 32 + "/trades/{}"):
        method = "GET" if "positions" in template else "DELETE"
        for value in [*UNICODE_DIGITS, *HUGE]:
            response = env.client.request(method, template.format(value),
                                          headers=env.headers("demo_user_1"))
            error_of(response, 422, "validation_error")
        response = env.client.request(method, template.format(ID_MAX),
                                      headers=env.headers("demo_user_1"))
        error_of(response, 404)
    response = env.client.put("/api/v1/positions/1/tags", headers=env.headers("demo_user_1"),
                              json={"tag_ids": [2**127]})
    error_of(response, 422, "validation_error")
    response = env.client.post("/api/v1/modeling/sessions", headers=env.headers("demo_user_1"),
                               json={"portfolio_id": 2**64})
    error_of(response, 422, "validation_error")


def test_keep_alive_survives_an_unexpected_error(duck):
    app = create_app(duck.settings)

    @app.get("/api/v1/boom", include_in_schema=False)
    def boom():
        raise RuntimeError("secret internals")

    with serve(app) as base_url:
        address = urlsplit(base_url)
        connection = http.client.HTTPConnection(address.hostname, address.port, timeout=10)
        try:
            connection.request("GET", "/api/v1/boom")
            response = connection.getresponse()
            body = response.read()
            assert response.status == 500
            assert b"secret" not in body
            assert response.getheader("connection") != "close"
            assert response.getheader("x-content-type-options") == "nosniff"
            socket_used = connection.sock
            assert socket_used is not None  # the server kept the connection open
            connection.request("GET", "/api/v1/health")
            again = connection.getresponse()
            assert again.status == 200
            assert b'"ok"' in again.read()
            assert connection.sock is socket_used  # the same connection answered
        finally:
            connection.close()


def test_nul_characters_answer_4xx_not_500(env):
    """PostgreSQL refuses NUL in text: such input must be refused before any query."""
    headers = env.headers("demo_user_1")
    requests = [("GET", "/api/v1/prices/%00", None), ("GET", "/api/v1/prices/A%00B", None),
                ("GET", "/api/v1/batch-runs/%00", None),
                ("GET", "/api/v1/positions?tags=%00", None),
                ("GET", "/api/v1/positions?type=%00", None),
                ("GET", "/api/v1/modeling/sessions/" + "0" * 32 + "%00", None),
                ("POST", "/api/v1/tags", {"name": "a\u0000b"}),
                ("POST", "/api/v1/modeling/sessions", {"name": "a\u0000b"}),
                ("POST", "/api/v1/risk/stress", {"shocks": {"SP\u0000Y": -0.1}}),
                ("POST", "/api/v1/auth/login", {"username": "\u0000x", "password": "p"})]
    for method, url, body in requests:
        response = env.client.request(method, url, headers=headers, json=body)
        assert response.status_code < 500, (method, url, response.text[:300])
        if ("%00" in url and "?" not in url) or body is not None:
            error_of(response, 422, "validation_error")


def test_server_header_only_in_development_and_test(duck):
    production = duck.settings.model_copy(update={"environment": "production",
                                                  "jwt_secret": "p" * 48})
    for settings, shown in ((duck.settings, True), (production, False)):
        with serve(create_app(settings), **uvicorn_options(settings)) as base_url:
            response = httpx.get(f"{base_url}/api/v1/health")
        assert response.status_code == 200
        assert ("server" in response.headers) is shown, settings.environment
