"""Per-user rate limit of every authenticated API request (beside the login limiter).

A request under ``/api/v1`` carrying a valid bearer token counts against its **user id**
(not the address: users behind one proxy or office NAT are independent) in a moving
window (``limits``' ``MovingWindowRateLimiter``: the N+1st request within any window is
refused, there is no boundary at which a burst of 2N passes). Over the limit the answer
is ``429 too_many_requests`` with ``Retry-After`` (seconds until the oldest counted
request leaves the window, at least 1) and ``X-RateLimit-Limit``. Requests without a
valid token pass through (the app answers 401; logins have their own limiter).

The middleware sits outside the response cache, so cached answers count too. The limit
is ``settings.rate_limit`` (``limits`` notation, default ``1200/minute``: a dashboard
loads a dozen panels at once and polls); the counters live in
``settings.rate_limit_storage_uri`` (``memory://`` = per process: with N workers a user
gets up to N times the limit; point every worker at one ``redis://`` store to share them).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any, cast

from fastapi import FastAPI
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter
from starlette.types import ASGIApp, Receive, Scope, Send

from api import API_PREFIX
from api.cache import bearer_token
from api.errors import error_response
from api.security import TokenError, decode_access_token
from ingest.config import Settings


class UserRateLimitMiddleware:
    """Refuse (429) a user's requests beyond ``settings.rate_limit``."""

    def __init__(self, app: ASGIApp, *, settings: Callable[[], Settings]):
        self.app = app
        self.settings = settings
        self._limiter: MovingWindowRateLimiter | None = None
        self._storage_uri: str | None = None

    def _limiter_for(self, settings: Settings) -> MovingWindowRateLimiter:
        if self._limiter is None or self._storage_uri != settings.rate_limit_storage_uri:
            self._storage_uri = settings.rate_limit_storage_uri
            self._limiter = MovingWindowRateLimiter(storage_from_string(self._storage_uri))
        return self._limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(API_PREFIX):
            await self.app(scope, receive, send)
            return
        token = bearer_token(scope)
        settings = self.settings()
        try:
            user_id = None if token is None else decode_access_token(token, settings)
        except TokenError:
            user_id = None
        if user_id is None:
            await self.app(scope, receive, send)
            return
        limit = parse(settings.rate_limit)
        limiter = self._limiter_for(settings)
        key = f"user:{user_id}"
        if limiter.hit(limit, key):
            await self.app(scope, receive, send)
            return
        reset_at, _ = limiter.get_window_stats(limit, key)
        retry_after = max(1, math.ceil(reset_at - time.time()))
        response = error_response(
            429, "too_many_requests",
            f"rate limit of {settings.rate_limit} per user exceeded; retry in {retry_after} s",
            {"limit": settings.rate_limit, "retry_after_seconds": retry_after},
            headers={"Retry-After": str(retry_after), "X-RateLimit-Limit": str(limit.amount)})
        await response(scope, receive, send)


RATE_LIMITED = {"description": "Rate limit of the user exceeded (see Retry-After)",
                "headers": {"Retry-After": {"description": "seconds to wait",
                                            "schema": {"type": "integer"}}},
                "content": {"application/json": {"example": {
                    "success": False, "error": {
                        "code": "too_many_requests",
                        "message": "rate limit of 1200/minute per user exceeded; retry in 12 s",
                        "details": {"limit": "1200/minute", "retry_after_seconds": 12}}}}}}


def document_rate_limit(app: FastAPI) -> None:
    """Add the 429 answer to every authenticated operation of ``app``'s OpenAPI schema."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = build()
            for item in schema.get("paths", {}).values():
                for operation in item.values():
                    if isinstance(operation, dict) and operation.get("security"):
                        operation.setdefault("responses", {}).setdefault("429", RATE_LIMITED)
        return cast(dict[str, Any], app.openapi_schema)

    app.openapi = openapi  # type: ignore[method-assign]
