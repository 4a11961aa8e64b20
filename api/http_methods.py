"""HTTP methods: ``HEAD`` on every ``GET`` route, and the full ``Allow`` list of a 405.

FastAPI's routes answer only the methods they declare, so ``HEAD`` would be a 405 on
every ``GET`` route (RFC 9110 §9.3.2: a server that supports ``GET`` supports ``HEAD``).
:class:`HeadAsGetMiddleware` serves ``HEAD`` as ``GET`` and sends the same status and
headers (``Content-Length`` included) without the body. The OpenAPI document keeps
listing ``GET`` only.

Starlette's 405 names the methods of the first route whose path matched; a path served
by several routes (``GET`` and ``POST /tags``) then gets a partial ``Allow``.
:func:`allowed_methods` collects the methods of every route of the path.
"""

from __future__ import annotations

from collections.abc import Iterable

from starlette.routing import BaseRoute, Match, Mount
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

PROBED_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


class HeadAsGetMiddleware:
    """Answer ``HEAD`` like ``GET``, without the body."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def send_without_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, send_without_body)


def allowed_methods(routes: Iterable[BaseRoute], path: str) -> list[str]:
    """Every method some route answers on ``path`` (``HEAD`` wherever ``GET`` is).

    Each method is probed through the routes' own matching (an included router
    matches for the routes it holds); a static-files mount answers ``GET`` only.
    """
    routes = list(routes)
    methods: set[str] = set()
    for method in PROBED_METHODS:
        probe: Scope = {"type": "http", "path": path, "root_path": "", "method": method,
                        "headers": [], "query_string": b""}
        for route in routes:
            static = isinstance(route, Mount) and isinstance(route.app, StaticFiles)
            if (method == "GET" or not static) and route.matches(probe)[0] == Match.FULL:
                methods.add(method)
                break
    if "GET" in methods:
        methods.add("HEAD")
    return sorted(methods)
