"""The statuses that come from outside a route, documented on every operation they reach.

A route documents what it answers itself (``api.schemas.common.responses``). These come
from the middleware and the framework, by the shape of the operation:

- **503** — every operation that reads the warehouse (all but ``/health``): a DuckDB
  file held by another process, an unreachable PostgreSQL server, marts not built yet
  (:mod:`api.errors`), the response cache's own read (:mod:`api.cache`);
- **413** — every operation with a request body (:class:`api.errors.BodySizeLimitMiddleware`);
- **400** — a body that cannot be read (FastAPI: not UTF-8 JSON, a broken multipart);
- **422** — every operation with parameters or a body (FastAPI's validation);
- **405** — every operation with path parameters: an empty value makes clients that
  collapse ``//`` send the request to a shorter path, another endpoint's (e.g.
  ``POST /modeling/sessions//trades`` arrives as ``POST /modeling/sessions/trades``).

:func:`install` wraps ``app.openapi`` so that the served document carries them; the
entries are the same error envelopes and examples the routes use.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI

from api import API_PREFIX
from api.schemas.common import error_responses

NO_WAREHOUSE = frozenset({f"{API_PREFIX}/health", "/healthz", "/metrics"})
ERROR_SCHEMA = {"$ref": "#/components/schemas/ErrorEnvelope"}


def cross_cutting_statuses(path: str, operation: dict[str, Any]) -> list[int]:
    """The statuses of the list above that ``operation`` on ``path`` can answer."""
    statuses = []
    if path not in NO_WAREHOUSE:
        statuses.append(503)
    body = operation.get("requestBody", {}).get("content", {})
    if body:
        statuses += [400, 413]
    parameters = operation.get("parameters", [])
    if body or parameters:
        statuses.append(422)
    if any(parameter["in"] == "path" for parameter in parameters):
        statuses.append(405)
    return statuses


def _documented(status: int) -> dict[str, Any]:
    entry = error_responses(status)[status]
    content = {"application/json": {"schema": ERROR_SCHEMA,
                                    **entry["content"]["application/json"]}}
    return {"description": entry["description"], "content": content}


def add_cross_cutting_statuses(document: dict[str, Any]) -> dict[str, Any]:
    """``document`` with the statuses added where missing (idempotent)."""
    for path, item in document.get("paths", {}).items():
        for operation in item.values():
            responses = operation.setdefault("responses", {})
            for status in cross_cutting_statuses(path, operation):
                responses.setdefault(str(status), _documented(status))
    return document


def install(app: FastAPI) -> None:
    """Serve ``app``'s generated document with :func:`add_cross_cutting_statuses`."""
    generate: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        return add_links(add_cross_cutting_statuses(generate()))

    app.openapi = openapi  # type: ignore[method-assign]


SESSION = f"{API_PREFIX}/modeling/sessions"
SESSION_ID = {"session_id": "$response.body#/data/id"}
TRADE_OF_SESSION = {"session_id": "$request.path.session_id",
                    "trade_id": "$response.body#/data/0/id"}
LINKS: dict[tuple[str, str, str], dict[str, tuple[str, str, dict[str, str]]]] = {
    # (path, method, status) -> link name -> (target path, target method, parameters)
    (f"{API_PREFIX}/tags", "post", "201"): {
        "UpdateTag": (f"{API_PREFIX}/tags/{{tag_id}}", "put",
                      {"tag_id": "$response.body#/data/id"}),
        "DeleteTag": (f"{API_PREFIX}/tags/{{tag_id}}", "delete",
                      {"tag_id": "$response.body#/data/id"})},
    (SESSION, "post", "201"): {
        "GetSession": (f"{SESSION}/{{session_id}}", "get", SESSION_ID),
        "AddTrades": (f"{SESSION}/{{session_id}}/trades", "post", SESSION_ID),
        "SessionRisk": (f"{SESSION}/{{session_id}}/risk", "get", SESSION_ID),
        "SessionScenario": (f"{SESSION}/{{session_id}}/risk/greeks/scenario", "get",
                            SESSION_ID),
        "ExportTrades": (f"{SESSION}/{{session_id}}/export", "get", SESSION_ID),
        "DeleteSession": (f"{SESSION}/{{session_id}}", "delete", SESSION_ID)},
    (f"{SESSION}/{{session_id}}/trades", "post", "201"): {
        "UpdateTrade": (f"{SESSION}/{{session_id}}/trades/{{trade_id}}", "put",
                        TRADE_OF_SESSION),
        "DeleteTrade": (f"{SESSION}/{{session_id}}/trades/{{trade_id}}", "delete",
                        TRADE_OF_SESSION)},
}


def add_links(document: dict[str, Any]) -> dict[str, Any]:
    """OpenAPI links from each created resource to the operations on it (a generated
    client's and a stateful fuzzer's way from ``POST`` to the id it returned)."""
    paths = document.get("paths", {})
    for (path, method, status), links in LINKS.items():
        response = paths.get(path, {}).get(method, {}).get("responses", {}).get(status)
        if response is None:
            continue
        response["links"] = {
            name: {"operationId": paths[target][target_method]["operationId"],
                   "parameters": parameters}
            for name, (target, target_method, parameters) in links.items()}
    return document
