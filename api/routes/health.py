"""Probes and metrics outside the API prefix, without authentication.

- ``GET /healthz`` — liveness: the process answers (no database access);
- ``GET /readyz`` — readiness (:mod:`api.queries.readiness`): 200 with the checks, or 503
  with the same checks in the error's ``details`` when any fails;
- ``GET /metrics`` — Prometheus text exposition (:mod:`api.metrics`). Expose it to the
  scraper only (the proxy should not route it publicly).
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from api.deps import SettingsDep, WarehouseDep
from api.errors import error_response
from api.metrics import CONTENT_TYPE, exposition
from api.queries.readiness import readiness
from api.schemas.common import Envelope, ok
from api.schemas.health import readiness_responses

router = APIRouter(tags=["health"])

HEALTHZ_RESPONSES: dict[int | str, dict] = {200: {"content": {"application/json": {
    "example": {"success": True, "data": {"status": "ok"}, "message": None}}}}}
METRICS_EXAMPLE = (
    "# HELP sigmasight_http_request_duration_seconds Wall time of an HTTP request, by method, "
    "route template and status\n# TYPE sigmasight_http_request_duration_seconds histogram\n"
    'sigmasight_http_request_duration_seconds_bucket{le="0.005",method="GET",'
    'route="/api/v1/portfolio",status="200"} 41.0\n')


@router.get("/healthz", response_model=Envelope[dict], summary="Liveness (no database, no auth)",
            responses=HEALTHZ_RESPONSES)
def healthz() -> dict:
    return ok({"status": "ok"})


@router.get("/readyz", response_model=Envelope[dict],
            summary="Readiness: warehouse reachable, schema current, last batch age (no auth)",
            responses=readiness_responses())
def readyz(settings: SettingsDep, warehouse: WarehouseDep) -> object:
    """200 when every check passes; 503 `not_ready` with the checks in `details` otherwise.
    The batch age fails the check only when `SIGMASIGHT_READY_MAX_BATCH_AGE_HOURS` is set."""
    ready, checks = readiness(warehouse, settings)
    if not ready:
        return error_response(503, "not_ready", "the API is not ready: see details", checks)
    return ok({"status": "ready", "checks": checks})


@router.get("/metrics", summary="Prometheus metrics (text exposition, no auth)",
            response_class=Response,
            responses={200: {"description": "Prometheus text format 0.0.4",
                             "content": {"text/plain": {"example": METRICS_EXAMPLE}}}})
def metrics() -> Response:
    return Response(exposition(), media_type=CONTENT_TYPE)

