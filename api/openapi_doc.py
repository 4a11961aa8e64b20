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
        return add_cross_cutting_statuses(generate())

    app.openapi = openapi  # type: ignore[method-assign]
