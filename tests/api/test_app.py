"""App-wide behaviour: the envelope on every error, OpenAPI examples, offline /docs."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import threading
import time

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient

from api.main import STATIC_DIR, create_app
from ingest.config import REPO_ROOT
from tests.conftest import make_settings
from tests.utils.browser import OUTPUT_DIR, render


@pytest.fixture(scope="module")
def duck_settings(tmp_path_factory):
    return make_settings("duckdb", tmp_path_factory.mktemp("app"))


@pytest.fixture(scope="module")
def client(duck_settings) -> TestClient:
    return TestClient(create_app(duck_settings))


def test_importing_the_app_opens_no_database():
    """In a fresh interpreter where every way to a database raises, ``api.main`` imports."""
    code = (
        "import duckdb, psycopg, sqlalchemy\n"
        "def refuse(*a, **k): raise AssertionError('database opened at import')\n"
        "duckdb.connect = psycopg.connect = sqlalchemy.create_engine = refuse\n"
        "import api.main\n"
        "assert api.main.app.title == 'SigmaSight API'\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr


def test_errors_use_the_envelope(client):
    cases = [
        (client.get("/api/v1/nope"), 404, "not_found"),
        (client.delete("/api/v1/portfolio"), 405, "method_not_allowed"),
        (client.get("/api/v1/portfolio"), 401, "unauthorized"),
        (client.post("/api/v1/auth/login", content=b"{bad json",
                     headers={"content-type": "application/json"}), 422, "validation_error"),
        (client.post("/api/v1/auth/login", json={}), 422, "validation_error"),
    ]
    for response, status, code in cases:
        assert response.status_code == status, response.text
        body = response.json()
        assert body == {"success": False, "error": {"code": code, "message": body["error"][
            "message"], "details": body["error"]["details"]}}
    details = cases[-1][0].json()["error"]["details"]
    assert {tuple(d["loc"]) for d in details} == {("body", "username"), ("body", "password")}
    assert all(set(d) == {"loc", "msg", "type"} for d in details)


def test_unexpected_errors_are_a_generic_500_with_a_logged_reference(duck_settings, caplog):
    app = create_app(duck_settings)

    @app.get("/api/v1/boom")
    def boom():
        raise RuntimeError("secret internals")

    response = TestClient(app, raise_server_exceptions=False).get("/api/v1/boom")
    assert response.status_code == 500
    reference = response.json()["error"]["details"]["reference"]
    assert response.json() == {"success": False, "error": {
        "code": "internal_error", "message": f"internal server error (reference {reference})",
        "details": {"reference": reference}}}
    assert "secret" not in response.text
    logged = [r for r in caplog.records if reference in r.getMessage()]
    assert logged
    assert "secret internals" in str(logged[0].exc_info[1])


def test_health(client):
    assert client.get("/api/v1/health").json() == {"success": True, "data": {"status": "ok"},
                                                   "message": None}


def test_every_operation_is_documented_with_examples(client):
    spec = client.get("/api/v1/openapi.json").json()
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    operations = [(path, method, op) for path, item in spec["paths"].items()
                  for method, op in item.items()]
    assert len(operations) >= 12
    for path, method, op in operations:
        success = [code for code in op["responses"] if code.startswith("2")]
        assert success, (path, method)
        for code in success:  # JSON, or a file (CSV, FIX): each media type has an example
            content = op["responses"][code].get("content", {})
            assert content, (path, method, code)
            for media, body in content.items():
                assert "example" in body or "examples" in body, (path, method, code, media)
        public = path.endswith(("/auth/login", "/health")) or path in {
            "/healthz", "/readyz", "/metrics"}
        if not public:
            assert op.get("security") == [{"bearerAuth": []}], (path, method)
            assert "401" in op["responses"], (path, method)
        for code, response in op["responses"].items():
            if code.startswith(("4", "5")):
                example = response["content"]["application/json"]["example"]
                assert example["success"] is False
                assert {"code", "message"} <= set(example["error"])  # null details are dropped
        body = op.get("requestBody", {}).get("content", {})
        for media in body.values():
            schema = media["schema"]
            ref = schema.get("$ref", "")
            if ref:
                target = spec["components"]["schemas"][ref.rsplit("/", 1)[1]]
                assert "examples" in target or all(
                    "examples" in p for p in target["properties"].values()), (path, method)


def test_docs_page_uses_only_local_assets(client):
    html = client.get("/docs").text
    urls = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert urls
    assert all(url.startswith("/static/") for url in urls), urls
    assert "http://" not in html
    assert "https://" not in html
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200
        assert len(response.content) > 500
    assert "Apache License" in (STATIC_DIR / "swagger-ui" / "LICENSE").read_text()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_docs_render_in_a_browser_without_internet(duck_settings):
    """Headless Chromium (no network but loopback) renders Swagger UI with our routes."""
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(duck_settings), host="127.0.0.1",
                                           port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        assert httpx.get(f"http://127.0.0.1:{port}/api/v1/health").status_code == 200
        dom = render(f"http://127.0.0.1:{port}/docs", screenshot=OUTPUT_DIR / "swagger_docs.png")
    finally:
        server.should_exit = True
        thread.join(timeout=10)
    assert "swagger-ui" in dom
    assert "/api/v1/portfolio/upload" in dom
    assert "/api/v1/auth/login" in dom
    assert "SigmaSight API" in dom


def _null_dropped_from_example(error) -> bool:
    """The document drops null members from examples: a missing nullable property is one."""
    if error.validator != "required":
        return False
    missing = set(error.validator_value) - set(error.instance)
    properties = error.schema.get("properties", {})
    return all({"type": "null"} in properties.get(name, {}).get("anyOf", []) for name in missing)


def test_success_examples_validate_against_their_response_models(client):
    """Every documented JSON success example is valid against the route's response schema
    in the served document (so the docs never show a shape the API does not answer)."""
    from jsonschema import Draft202012Validator, FormatChecker

    spec = client.get("/api/v1/openapi.json").json()
    checked = 0
    for path, item in spec["paths"].items():
        for method, op in item.items():
            for status, response in op["responses"].items():
                body = response.get("content", {}).get("application/json")
                if not status.startswith("2") or body is None or "example" not in body:
                    continue
                schema = {**body["schema"], "components": spec["components"]}
                validator = Draft202012Validator(schema, format_checker=FormatChecker())
                errors = [e.message for e in validator.iter_errors(body["example"])
                          if not _null_dropped_from_example(e)]
                assert not errors, (path, method, status, errors[:3])
                checked += 1
    assert checked >= 30


def test_links_lead_from_created_resources_to_the_operations_on_them(client):
    """Every OpenAPI link names an existing operation and fills exactly its path
    parameters (a generated client follows them from POST to the returned id)."""
    spec = client.get("/api/v1/openapi.json").json()
    operations = {op["operationId"]: (path, op) for path, item in spec["paths"].items()
                  for op in item.values()}
    links = [link for item in spec["paths"].values() for op in item.values()
             for response in op["responses"].values()
             for link in response.get("links", {}).values()]
    assert len(links) >= 10
    for link in links:
        path, operation = operations[link["operationId"]]
        path_parameters = {p["name"] for p in operation.get("parameters", [])
                           if p["in"] == "path"}
        assert set(link["parameters"]) == path_parameters, (path, link)
