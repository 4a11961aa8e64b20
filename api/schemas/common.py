"""The response envelope and the error body every route shares.

Success: ``{"success": true, "data": ..., "message": null}``.
Error:   ``{"success": false, "error": {"code", "message", "details"}}`` with the HTTP
status of the error (the handlers in :mod:`api.errors` produce it for every error,
FastAPI's own request validation errors included).

``POST /auth/login`` is the one exception: it answers the bare
``{"token", "expires_in", "portfolio_id"}`` (design §6: *non-auth* responses use the
envelope).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

T = TypeVar("T")
EXAMPLES_DIR = Path(__file__).parent / "examples"


class Envelope(BaseModel, Generic[T]):
    """A successful response: the payload is in ``data``."""

    success: Literal[True] = True
    data: T
    message: str | None = None


class ErrorBody(BaseModel):
    code: str = Field(description="machine-readable error code, e.g. `not_found`")
    message: str = Field(description="what went wrong, for a person")
    details: Any = Field(None, description="per-field or per-row problems, when there are any")
    total: int | None = Field(None, description="how many problems there are, when `details` "
                                                "lists only the first ones (refused uploads)")


class ErrorEnvelope(BaseModel):
    """An error response (every status >= 400)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "success": False,
        "error": {"code": "not_found", "message": "tag 42 not found", "details": None},
    }]})

    success: Literal[False] = False
    error: ErrorBody


def recorded_examples(name: str) -> dict[str, Any]:
    """Examples recorded from the demo book, ``api/schemas/examples/<name>.json`` (lists cut
    to two rows, numbers to four significant digits, one convention per report)."""
    return json.loads((EXAMPLES_DIR / f"{name}.json").read_text())


def example_of(model: type[BaseModel]) -> Any:
    """The first example a schema declares in ``json_schema_extra``."""
    extra = model.model_config.get("json_schema_extra")
    assert isinstance(extra, dict), f"{model.__name__} declares no examples"
    examples = extra["examples"]
    assert isinstance(examples, list)
    return examples[0]


def ok(data: Any, message: str | None = None) -> dict[str, Any]:
    """The success envelope around ``data``."""
    return {"success": True, "data": data, "message": message}


_ERROR_EXAMPLES: dict[int, tuple[str, str, str, Any]] = {
    400: ("Bad request", "bad_request", "the request could not be read", None),
    401: ("Missing, invalid or expired token", "unauthorized", "token has expired", None),
    403: ("Forbidden", "forbidden", "admin only", None),
    404: ("Not found (or not yours)", "not_found", "position 42 not found", None),
    409: ("Conflict", "conflict", "a tag named 'tech' already exists", None),
    413: ("Body too large", "payload_too_large",
          "request body exceeds the limit of 5065536 bytes", None),
    422: ("Invalid input", "validation_error", "request validation failed",
          [{"loc": ["query", "limit"], "msg": "Input should be less than or equal to 500",
            "type": "less_than_equal"}]),
    429: ("Too many failed logins", "too_many_requests",
          "too many failed login attempts; retry in 42 s", {"retry_after_seconds": 42}),
    503: ("Warehouse busy or not built yet", "service_unavailable",
          "the warehouse is busy (another process holds the DuckDB file); retry shortly",
          None),
}


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries (error envelope + example) for ``statuses``."""
    responses: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        description, code, message, details = _ERROR_EXAMPLES[status]
        responses[status] = {
            "model": ErrorEnvelope,
            "description": description,
            "content": {"application/json": {"example": {
                "success": False,
                "error": {"code": code, "message": message, "details": details},
            }}},
        }
    return responses


def success_example(data: Any, status: int = 200,
                    description: str = "Success") -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entry with an example of the success envelope."""
    return {status: {"description": description, "content": {"application/json": {
        "example": {"success": True, "data": data, "message": None}}}}}


def responses(data_example: Any, *error_statuses: int, status: int = 200,
              description: str = "Success") -> dict[int | str, dict[str, Any]]:
    """Success example plus the error envelopes of ``error_statuses`` (401 always)."""
    statuses = sorted({401, 422, *error_statuses})
    return {**success_example(data_example, status, description), **error_responses(*statuses)}
