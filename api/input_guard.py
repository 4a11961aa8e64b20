"""Refuse NUL characters in the URL and in JSON bodies before anything reads them.

PostgreSQL's text types cannot hold NUL (U+0000): a path segment, query value or JSON
string with one would fail inside a query there (and only there) with a 500. No
identifier, symbol, name or filter of the API can contain one, so
:class:`NulGuardMiddleware` answers 422 (``validation_error``) on both warehouses alike
to a request whose decoded path or query string holds a NUL, or whose JSON body holds
``\\u0000`` (raw NUL cannot occur in valid JSON; a CSV upload is validated row by row).
"""

from __future__ import annotations

from urllib.parse import unquote_to_bytes

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import error_response

_ESCAPED_NUL = b"\\u0000"
_MESSAGE = "request validation failed: NUL characters are not accepted"


class NulGuardMiddleware:
    """422 for a NUL in the path, the query string or a JSON body."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if "\x00" in scope["path"] or b"\x00" in unquote_to_bytes(
                scope.get("query_string", b"")):
            response = error_response(422, "validation_error", _MESSAGE, [{
                "loc": ["path_or_query"], "msg": "NUL is not allowed", "type": "value_error"}])
            await response(scope, receive, send)
            return
        content_type = dict(scope.get("headers") or ()).get(b"content-type", b"")
        if b"json" not in content_type.lower():
            await self.app(scope, receive, send)
            return
        tail = b""

        async def checked_receive() -> Message:
            nonlocal tail
            message = await receive()
            if message["type"] == "http.request":
                chunk = tail + message.get("body", b"")
                if _ESCAPED_NUL in chunk or b"\x00" in chunk:
                    raise HTTPException(422, _MESSAGE)
                tail = chunk[-(len(_ESCAPED_NUL) - 1):]
            return message

        await self.app(scope, checked_receive, send)
