"""The development signing secret is for a developer's own machine, never a network.

``ingest.config.DEV_JWT_SECRET`` is in the repository: anyone can forge a token signed
with it. The API therefore serves on it only when the environment is *explicitly*
``development`` (or ``test``, the test suite's in-process servers) **and** it is reached
over loopback, and says so loudly in the log. Three places enforce this:

- :func:`check_signing_secret` at start-up: the app's lifespan refuses to start
  (``InsecureSecretError``, so the server exits) when the environment is unset or
  ``production`` (``Settings`` itself already refuses ``production`` with the default
  secret); an entry point that knows its bind address (``api.demo``) passes it and a
  non-loopback address is refused before anything is built;
- :class:`LoopbackOnlyMiddleware` per request, for servers started some other way
  (``uvicorn --host 0.0.0.0``): on the development secret, a connection accepted on a
  non-loopback local address is answered 503 and never reaches a route.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Callable

from starlette.types import ASGIApp, Receive, Scope, Send

from api.errors import error_response
from ingest.config import DEV_JWT_SECRET, Settings

log = logging.getLogger(__name__)

LOCAL_ENVIRONMENTS = ("development", "test")


class InsecureSecretError(RuntimeError):
    """The server would sign tokens with the public development secret where it may not."""


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback IP addresses (127.0.0.0/8, ::1)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def uses_development_secret(settings: Settings) -> bool:
    return settings.jwt_secret == DEV_JWT_SECRET


def check_signing_secret(settings: Settings, bind_host: str | None = None) -> None:
    """Refuse (raise :class:`InsecureSecretError`) to serve on the development secret
    unless the environment is explicitly development/test and ``bind_host`` (when known)
    is loopback; when allowed, log a loud warning."""
    if not uses_development_secret(settings):
        return
    if settings.environment not in LOCAL_ENVIRONMENTS:
        raise InsecureSecretError(
            "refusing to start: SIGMASIGHT_JWT_SECRET is the development secret, which is "
            "public (anyone could forge tokens), and SIGMASIGHT_ENVIRONMENT is "
            f"{settings.environment or 'not set'}. Set SIGMASIGHT_JWT_SECRET to a long "
            "random value, or set SIGMASIGHT_ENVIRONMENT=development to run on loopback.")
    if bind_host is not None and not is_loopback(bind_host):
        raise InsecureSecretError(
            f"refusing to start: the development JWT secret may only be served on loopback, "
            f"not on {bind_host!r}. Set SIGMASIGHT_JWT_SECRET to a long random value.")
    log.warning("*" * 78 + "\n*** INSECURE: tokens are signed with the PUBLIC development "
                "secret (environment=%s).\n*** Serving on loopback only. Never expose this "
                "server; set SIGMASIGHT_JWT_SECRET.\n" + "*" * 78, settings.environment)


class LoopbackOnlyMiddleware:
    """On the development secret, answer 503 on any non-loopback local address."""

    def __init__(self, app: ASGIApp, *, settings: Callable[[], Settings]):
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        server = scope.get("server")
        if scope["type"] in ("http", "websocket") and server and \
                uses_development_secret(self.settings()) and _is_remote_ip(str(server[0])):
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008})
                return
            response = error_response(
                503, "insecure_configuration", "this server signs tokens with the public "
                "development secret and answers on loopback only")
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


def _is_remote_ip(host: str) -> bool:
    """An IP address that is not loopback (a Unix socket path or an in-process test
    client's host name is no network address)."""
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return not is_loopback(host)
