"""Prometheus metrics of the API: request latency per route template, response-cache use.

- ``sigmasight_http_request_duration_seconds{method, route, status}`` — a histogram of
  every HTTP request's wall time, labelled by the **route template** (``/api/v1/tags/{tag_id}``,
  never the raw path, so the label set stays bounded; :class:`RouteTemplates`), also for
  responses sent before routing (the response cache, the rate limit);
- ``sigmasight_response_cache_lookups_total{result}`` — ``hit`` | ``miss`` of
  :class:`api.cache.ResponseCache`; hit rate = ``rate(..{result="hit"}) / rate(..)``.
- batch (:mod:`flows.metrics`) and market-data (:mod:`ingest.metrics`) metrics of this
  process are in the same registry.

A server with several worker processes sets ``PROMETHEUS_MULTIPROC_DIR`` (the production
command does, :mod:`api.serve`): each worker writes its samples there and
:func:`exposition` aggregates every worker's.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterable

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.multiprocess import MultiProcessCollector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)

REQUEST_SECONDS = Histogram(
    "sigmasight_http_request_duration_seconds",
    "Wall time of an HTTP request, by method, route template and status",
    ["method", "route", "status"], buckets=LATENCY_BUCKETS,
)
CACHE_LOOKUPS = Counter(
    "sigmasight_response_cache_lookups_total",
    "Lookups of the API's response cache, by result (hit, miss)",
    ["result"],
)
CONTENT_TYPE = CONTENT_TYPE_LATEST


def count_cache_lookup(hit: bool) -> None:
    CACHE_LOOKUPS.labels("hit" if hit else "miss").inc()


def exposition() -> bytes:
    """The text exposition of this process, or of every worker (multiprocess mode)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
        return generate_latest(registry)
    return generate_latest(REGISTRY)


class RouteTemplates:
    """Raw path → route template, from the app's OpenAPI paths (FastAPI keeps included
    routers nested, so the matched route knows only its own part of the path).

    Built on first use; each distinct raw path is resolved once (bounded memory). A path
    that matched a route outside the schema (``/``, ``/docs``, ``/static``) keeps that
    route's own path; a path that matched nothing is ``unmatched``.
    """

    MAX_REMEMBERED = 4096

    def __init__(self, templates: Callable[[], Iterable[str]]):
        self._templates = templates
        self._patterns: list[tuple[re.Pattern[str], str]] | None = None
        self._resolved: dict[str, str | None] = {}

    def _compile(self) -> list[tuple[re.Pattern[str], str]]:
        if self._patterns is None:
            self._patterns = [
                (re.compile("^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(t)) + "$"), t)
                for t in self._templates()]
        return self._patterns

    def template(self, path: str) -> str | None:
        if path not in self._resolved:
            if len(self._resolved) >= self.MAX_REMEMBERED:
                self._resolved.clear()
            self._resolved[path] = next(
                (t for pattern, t in self._compile() if pattern.match(path)), None)
        return self._resolved[path]

    def label(self, scope: Scope) -> str:
        template = self.template(scope["path"])
        if template is not None:
            return template
        route_path = getattr(scope.get("route"), "path", None)
        return route_path if isinstance(route_path, str) else "unmatched"


class StatusRecorder:
    """A ``send`` that remembers the response status (500 until one is sent) and adds
    ``headers`` to the response start."""

    def __init__(self, send: Send, headers: tuple[tuple[bytes, bytes], ...] = ()):
        self._send = send
        self._headers = headers
        self.status = 500

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            if self._headers:
                message = {**message, "headers": [*(message.get("headers") or ()),
                                                  *self._headers]}
        await self._send(message)


class MetricsMiddleware:
    """Observe every HTTP request's wall time (outermost, so it sees cached answers too)."""

    def __init__(self, app: ASGIApp, *, templates: Callable[[], Iterable[str]]):
        self.app = app
        self.routes = RouteTemplates(templates)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        recorder = StatusRecorder(send)
        try:
            await self.app(scope, receive, recorder)
        finally:
            REQUEST_SECONDS.labels(scope["method"], self.routes.label(scope),
                                   str(recorder.status)).observe(time.perf_counter() - started)
