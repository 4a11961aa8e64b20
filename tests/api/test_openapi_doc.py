"""The served OpenAPI document is the truth: what the server answers is documented.

Each status is provoked for real on every operation it can reach, and the answer's
status must be listed for that operation: 503 with a PostgreSQL server that cannot be
reached, 413 with an oversized body, 400 with a body that is not UTF-8. Schemathesis
(tests/reliability) checks the same for everything it generates.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.main import DEFAULT_BODY_LIMIT, create_app
from api.openapi_doc import NO_WAREHOUSE
from api.queries.risk import greeks_totals
from api.routes.portfolio import MAX_UPLOAD_BODY_BYTES
from api.security import create_access_token
from ingest.config import Settings
from tests.utils.openapi import concrete, json_body_example

UPLOAD = "/api/v1/portfolio/upload"


@pytest.fixture(scope="module")
def unreachable(tmp_path_factory):
    """An app whose PostgreSQL server cannot be reached (nothing listens on port 1)."""
    settings = Settings(environment="test", data_dir=tmp_path_factory.mktemp("down"),
                        database_url="postgresql://postgres@127.0.0.1:1/none")
    client = TestClient(create_app(settings))
    token = create_access_token(1, settings).token
    client.headers["Authorization"] = f"Bearer {token}"
    return client


@pytest.fixture(scope="module")
def document(unreachable):
    return unreachable.get("/api/v1/openapi.json").json()


def _operations(document):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            yield path, method.upper(), concrete(path), operation


def _example_body(document, operation) -> dict:
    content = operation.get("requestBody", {}).get("content", {})
    if "multipart/form-data" in content:
        return {"files": {"file": ("book.csv", b"ticker,quantity,entry_price,entry_date\n")}}
    example = json_body_example(document, operation)
    return {} if example is None else {"json": example[0]}


def test_upload_declares_a_binary_file(document):
    body = document["paths"][UPLOAD]["post"]["requestBody"]["content"]["multipart/form-data"]
    schema = document["components"]["schemas"][body["schema"]["$ref"].rsplit("/", 1)[1]]
    assert schema["properties"]["file"]["format"] == "binary"
    assert schema["required"] == ["file"]


def test_an_unreachable_warehouse_answers_a_documented_503_everywhere(unreachable, document):
    checked = 0
    for path, method, url, operation in _operations(document):
        response = unreachable.request(method, url, **_example_body(document, operation))
        if path in NO_WAREHOUSE:  # liveness and metrics never read the warehouse
            assert response.status_code == 200, (path, response.text[:200])
            continue
        assert response.status_code == 503, (method, path, response.text[:200])
        assert "503" in operation["responses"], (method, path)
        checked += 1
    assert checked >= 35


def test_oversized_and_unreadable_bodies_answer_documented_statuses(unreachable, document):
    checked = 0
    for path, method, url, operation in _operations(document):
        if "requestBody" not in operation:
            continue
        limit = MAX_UPLOAD_BODY_BYTES if path == UPLOAD else DEFAULT_BODY_LIMIT
        media = next(iter(operation["requestBody"]["content"]))
        content_type = "multipart/form-data; boundary=x" if media.startswith("multipart") \
            else media
        big = unreachable.request(method, url, content=b"x" * (limit + 1),
                                  headers={"Content-Type": content_type})
        assert big.status_code == 413, (method, path, big.text[:200])
        unreadable = unreachable.request(method, url, content=b"\xff\xfe{",
                                         headers={"Content-Type": content_type})
        assert unreadable.status_code in (400, 422), (method, path, unreadable.text[:200])
        for response in (big, unreadable):
            assert str(response.status_code) in operation["responses"], (method, path)
        checked += 1
    assert checked >= 8


def test_login_documents_its_limit(document):
    assert "429" in document["paths"]["/api/v1/auth/login"]["post"]["responses"]


def test_greeks_totals_are_null_when_no_position_has_the_figure(document):
    nullable = document["components"]["schemas"]["GreeksTotals"]["properties"]["dollar_delta"]
    assert {"type": "null"} in nullable["anyOf"]
    row = {"delta": None, "dollar_delta": None, "gamma": None, "theta": None, "vega": None,
           "rho": None, "greeks_source": "fallback"}
    totals = greeks_totals([row, {**row}])  # no spot anywhere: no dollar delta
    assert totals["dollar_delta"] is None
    assert totals["n_positions"] == 2
    assert totals["n_fallback"] == 2
    priced = {**row, "delta": 10.0, "dollar_delta": 1500.0, "greeks_source": "stock"}
    assert greeks_totals([row, priced])["dollar_delta"] == 1500.0  # over rows that have it
    assert greeks_totals([])["dollar_delta"] == 0.0  # an empty view sums to zero
