"""Security headers on every HTTP response; internals shown only in development.

:class:`SecurityHeadersMiddleware` adds to every response (errors, static files and the
cached bodies included):

- ``X-Content-Type-Options: nosniff``;
- ``X-Frame-Options: DENY`` and CSP ``frame-ancestors 'none'`` (no page is framed);
- ``Referrer-Policy: no-referrer``;
- ``Content-Security-Policy: DEFAULT_CSP`` unless the route set its own: the dashboard
  at ``/`` needs nothing else (its scripts and styles are files under ``/static``,
  its API calls and WebSocket are same-origin); ``/docs`` adds the hash of Swagger UI's
  one inline script (:func:`docs_csp`);
- ``Strict-Transport-Security`` only when ``environment`` is ``production`` (a
  development server on plain HTTP must not pin browsers to HTTPS).

Outside development and test the response cache's ``X-Cache`` header is dropped
(:func:`shows_internals`); the server's ``Server`` header is switched off where the
server is started (:func:`api.server.uvicorn_options`).
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ingest.config import Settings

DEFAULT_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; "
               "img-src 'self' data:; connect-src 'self'; object-src 'none'; "
               "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
HSTS = "max-age=31536000; includeSubDomains"
INTERNAL_HEADERS = frozenset({b"x-cache"})
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def shows_internals(settings: Settings) -> bool:
    """True in development and test: ``X-Cache`` and ``Server`` headers are sent."""
    return settings.environment in ("development", "test")


def docs_csp(html: str) -> str:
    """:data:`DEFAULT_CSP` allowing exactly the inline scripts of ``html`` (by hash)."""
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode() + "'"
        for script in _INLINE_SCRIPT.findall(html))
    return DEFAULT_CSP.replace("script-src 'self'", f"script-src 'self' {hashes}".rstrip())


class SecurityHeadersMiddleware:
    """Add the security headers to every HTTP response (see the module docstring)."""

    def __init__(self, app: ASGIApp, *, settings: Callable[[], Settings]):
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        settings = self.settings()
        internals = shows_internals(settings)
        production = settings.environment == "production"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(name, value) for name, value in message.get("headers") or ()
                           if internals or name.lower() not in INTERNAL_HEADERS]
                present = {name.lower() for name, _ in headers}
                added = [(b"x-content-type-options", b"nosniff"),
                         (b"x-frame-options", b"DENY"),
                         (b"referrer-policy", b"no-referrer"),
                         (b"content-security-policy", DEFAULT_CSP.encode())]
                if production:
                    added.append((b"strict-transport-security", HSTS.encode()))
                headers += [(name, value) for name, value in added if name not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
