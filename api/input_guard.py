"""Refuse NUL characters in the URL before anything reads it.

PostgreSQL's text types cannot hold NUL (U+0000): a path segment or query value with
``%00`` would fail inside a query there (and only there) with a 500. No identifier,
symbol or filter of the API can contain one, so :class:`NulGuardMiddleware` answers
422 (``validation_error``) to any request whose decoded path or query string holds a
NUL, on both warehouses alike. (JSON bodies are validated by their models.)
"""

from __future__ import annotations

from urllib.parse import unquote_to_bytes

from starlette.types import ASGIApp, Receive, Scope, Send

from api.errors import error_response


class NulGuardMiddleware:
    """422 for a NUL in the path or the query string."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and (
                "\x00" in scope["path"]
                or b"\x00" in unquote_to_bytes(scope.get("query_string", b""))):
            response = error_response(
                422, "validation_error", "request validation failed: the URL contains a "
                "NUL character", [{"loc": ["path_or_query"], "msg": "NUL is not allowed",
                                   "type": "value_error"}])
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)
