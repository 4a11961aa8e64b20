"""``X-Request-ID`` in and out, and one access-log line per request.

The outermost middleware: a request's ``X-Request-ID`` (when usable:
:func:`ingest.logs.valid_request_id`) or a new uuid4 hex becomes the context's
:data:`ingest.logs.REQUEST_ID` for everything that serves it (log records carry it; a
batch the request starts stores it in ``app.batch_runs.request_id`` and its thread logs
under it), and is sent back in the response's ``X-Request-ID``. The access line
(logger ``sigmasight.access``) has ``method``, ``path``, ``status`` and ``duration_ms``.
"""

from __future__ import annotations

import logging
import time
import uuid

from starlette.types import ASGIApp, Receive, Scope, Send

from api.metrics import StatusRecorder
from ingest.logs import REQUEST_ID, install_request_id, valid_request_id

access_log = logging.getLogger("sigmasight.access")
HEADER = b"x-request-id"


class RequestIdMiddleware:
    def __init__(self, app: ASGIApp):
        self.app = app
        install_request_id()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        sent = dict(scope.get("headers") or ()).get(HEADER)
        request_id = valid_request_id(sent.decode("latin-1") if sent else None) \
            or uuid.uuid4().hex
        token = REQUEST_ID.set(request_id)
        started = time.perf_counter()
        recorder = StatusRecorder(send, ((HEADER, request_id.encode("latin-1")),))
        try:
            await self.app(scope, receive, recorder)
        finally:
            if scope["type"] == "http":
                status = recorder.status
                access_log.info("%s %s %s", scope["method"], scope["path"], status, extra={
                    "method": scope["method"], "path": scope["path"], "status": status,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2)})
            REQUEST_ID.reset(token)
