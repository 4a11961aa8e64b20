"""Logging: one line per record, JSON in production, with the request id of its context.

:data:`REQUEST_ID` holds the id of the HTTP request being served (``X-Request-ID``, set by
:class:`api.request_id.RequestIdMiddleware`) or of the batch run's originating request
(set by the batch thread, :mod:`flows.pipeline`); :func:`install_request_id` makes every
log record carry it as ``request_id``. :func:`logging_config` is the ``dictConfig`` of a
server (uvicorn's ``log_config``): JSON lines (python-json-logger: ``time``, ``level``,
``logger``, ``message``, ``request_id`` and any ``extra``) when ``settings.log_format`` is
``json`` (``auto``: JSON in production, text elsewhere).
"""

from __future__ import annotations

import logging
import re
from contextvars import ContextVar
from typing import Any

from ingest.config import Settings

REQUEST_ID: ContextVar[str | None] = ContextVar("sigmasight_request_id", default=None)
_VALID_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s"


def valid_request_id(value: str | None) -> str | None:
    """``value`` when it is a usable id (1–64 of ``A-Z a-z 0-9 . _ : -``), else None."""
    return value if value and _VALID_ID.match(value) else None


def install_request_id() -> None:
    """Give every log record a ``request_id`` attribute (None outside a request)."""
    factory = logging.getLogRecordFactory()
    if getattr(factory, "sigmasight_request_id", False):
        return

    def record_factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = factory(*args, **kwargs)
        record.request_id = REQUEST_ID.get()
        return record

    record_factory.sigmasight_request_id = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(record_factory)


def json_logs(settings: Settings) -> bool:
    return settings.log_format == "json" or (
        settings.log_format == "auto" and settings.environment == "production")


def logging_config(settings: Settings) -> dict[str, Any]:
    """``logging.config.dictConfig`` of a server process (root, uvicorn, our loggers).
    Installs the record factory first: the formats name ``request_id``, and uvicorn logs
    before it imports the app."""
    install_request_id()
    formatter: dict[str, Any] = (
        {"()": "pythonjsonlogger.json.JsonFormatter", "fmt": JSON_FIELDS,
         "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"}}
        if json_logs(settings) else
        {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"})
    handler = {"class": "logging.StreamHandler", "formatter": "default",
               "stream": "ext://sys.stdout"}
    quiet = {"handlers": ["default"], "level": settings.log_level, "propagate": False}
    return {
        "version": 1, "disable_existing_loggers": False,
        "formatters": {"default": formatter}, "handlers": {"default": handler},
        "root": {"handlers": ["default"], "level": settings.log_level},
        # our own access line (api.request_id) replaces uvicorn's, which has no request id
        "loggers": {"uvicorn": quiet, "uvicorn.error": quiet,
                    "uvicorn.access": {**quiet, "level": "WARNING"}},
    }
