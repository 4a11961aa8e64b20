"""How the API is served: the uvicorn options every entry point passes.

- ``proxy_headers`` / ``forwarded_allow_ips``: ``X-Forwarded-For`` and
  ``X-Forwarded-Proto`` are trusted only from the addresses in
  ``SIGMASIGHT_FORWARDED_ALLOW_IPS`` (comma-separated IPs or networks, e.g. the reverse
  proxy's ``10.0.0.5``); by default from nobody — uvicorn's own default trusts
  127.0.0.1, which would let any local caller pick its client address (and so its
  login-limiter key).
- ``server_header``: the ``Server: uvicorn`` header only in development and test
  (:func:`api.security_headers.shows_internals`).
"""

from __future__ import annotations

from typing import Any

from api.security_headers import shows_internals
from ingest.config import Settings


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for ``uvicorn.run`` / ``uvicorn.Config`` (besides app, host, port)."""
    trusted = settings.forwarded_allow_ips.strip()
    options: dict[str, Any] = {"proxy_headers": bool(trusted),
                               "server_header": shows_internals(settings)}
    if trusted:
        options["forwarded_allow_ips"] = trusted
    return options
