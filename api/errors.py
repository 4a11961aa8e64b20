"""Every error answers the error envelope ``{"success": false, "error": {...}}``.

Routes raise :class:`ApiError` (or one of its helpers); Starlette's
``HTTPException`` (404 for unknown paths, 405, ...) and FastAPI's request validation
errors are converted by the handlers registered in :func:`install_error_handlers`.
Unexpected exceptions answer a generic 500 (the traceback goes to the log, never to
the client). :class:`BodySizeLimitMiddleware` refuses oversized bodies (413)
before the app reads them. A DuckDB file held by another process answers 503, and so do an
unreachable PostgreSQL server and a query on a mart that has not been built yet.
"""

from __future__ import annotations

import logging
import uuid
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ingest.warehouse import MissingTableError, WarehouseBusyError, WarehouseUnavailableError

log = logging.getLogger(__name__)

CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 406: "not_acceptable", 409: "conflict",
    413: "payload_too_large", 415: "unsupported_media_type", 422: "validation_error",
    429: "too_many_requests", 500: "internal_error", 503: "service_unavailable",
}


class ApiError(Exception):
    """An error with its HTTP status, code, message and optional details."""

    def __init__(self, status_code: int, message: str, *, code: str | None = None,
                 details: Any = None, headers: dict[str, str] | None = None,
                 total: int | None = None):
        super().__init__(message)
        self.total = total  # how many problems there are when details lists only some
        self.status_code = status_code
        self.code = code or CODES.get(status_code, "error")
        self.message = message
        self.details = details
        self.headers = headers


def not_found(message: str) -> ApiError:
    return ApiError(404, message)


def unauthorized(message: str) -> ApiError:
    return ApiError(401, message, headers={"WWW-Authenticate": "Bearer"})


def error_response(status_code: int, code: str, message: str, details: Any = None,
                   headers: dict[str, str] | None = None,
                   total: int | None = None) -> JSONResponse:
    """The error envelope as a response (``total`` only when given)."""
    error = {"code": code, "message": message, "details": jsonable_encoder(details)}
    if total is not None:
        error["total"] = total
    return JSONResponse({"success": False, "error": error}, status_code=status_code,
                        headers=headers)


def _phrase(status_code: int) -> str:
    try:
        return HTTPStatus(status_code).phrase.lower()
    except ValueError:
        return "error"


async def _api_error(_: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, ApiError)
    return error_response(error.status_code, error.code, error.message, error.details,
                          error.headers, error.total)


async def _http_exception(_: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, StarletteHTTPException)
    detail = error.detail
    message = detail if isinstance(detail, str) and detail else _phrase(error.status_code)
    details = None if isinstance(detail, str) else detail
    if error.status_code == 404 and detail == "Not Found":
        message = "no such endpoint"
    if error.status_code == 405:
        message = "method not allowed on this endpoint"
    return error_response(error.status_code, CODES.get(error.status_code, "error"), message,
                          details, getattr(error, "headers", None))


def _validation_details(errors: Any) -> list[dict[str, Any]]:
    """FastAPI's validation errors without the echoed input (it may be a whole file)."""
    return [{"loc": list(item.get("loc", ())), "msg": item.get("msg", ""),
             "type": item.get("type", "")} for item in errors]


async def _validation_error(_: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    details = _validation_details(error.errors())
    first = details[0] if details else None
    message = "request validation failed"
    if first:
        where = ".".join(str(part) for part in first["loc"])
        message = f"request validation failed: {where}: {first['msg']}"
    return error_response(422, "validation_error", message, details)


async def _busy(_: Request, error: Exception) -> JSONResponse:
    return error_response(503, "warehouse_busy",
                          "the warehouse is busy (another process holds the DuckDB file); "
                          "retry shortly", headers={"Retry-After": "5"})


async def _unavailable(_: Request, error: Exception) -> JSONResponse:
    log.warning("warehouse unavailable: %s", error)
    return error_response(503, "warehouse_unavailable",
                          "the warehouse cannot be reached; retry shortly",
                          headers={"Retry-After": "5"})


async def _missing_table(_: Request, error: Exception) -> JSONResponse:
    log.warning("query on a missing table: %s", error)
    return error_response(503, "data_not_ready",
                          "the warehouse has not been built yet (run the batch first)")


async def _unexpected(_: Request, error: Exception) -> JSONResponse:
    reference = uuid.uuid4().hex[:16]  # quoted to the client, logged with the traceback
    log.error("unhandled error (reference %s)", reference, exc_info=error)
    return error_response(500, "internal_error",
                          f"internal server error (reference {reference})",
                          {"reference": reference})


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(StarletteHTTPException, _http_exception)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(WarehouseBusyError, _busy)
    app.add_exception_handler(WarehouseUnavailableError, _unavailable)
    app.add_exception_handler(MissingTableError, _missing_table)
    app.add_exception_handler(Exception, _unexpected)


class BodySizeLimitMiddleware:
    """Refuse bodies over the limit of their path (413), declared or counted."""

    def __init__(self, app: ASGIApp, *, default_limit: int,
                 limits: dict[str, int] | None = None):
        self.app = app
        self.default_limit = default_limit
        self.limits = limits or {}

    def _message(self, limit: int) -> str:
        return f"request body exceeds the limit of {limit} bytes"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limits.get(scope["path"].rstrip("/"), self.default_limit)
        declared = dict(scope.get("headers") or ()).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            response = error_response(413, "payload_too_large", self._message(limit),
                                      {"max_bytes": limit})
            await response(scope, receive, send)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise StarletteHTTPException(413, self._message(limit))
            return message

        await self.app(scope, limited_receive, send)
