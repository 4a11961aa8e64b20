"""Examples of the readiness probe (``GET /readyz``)."""

from __future__ import annotations

from typing import Any

READY_CHECKS: dict[str, Any] = {
    "warehouse": {"ok": True, "kind": "postgres"},
    "schema": {"ok": True, "revision": "0003", "head": "0003"},
    "last_batch": {"ok": True, "last_completed_at": "2026-11-20T22:31:07",
                   "age_seconds": 5400.0, "max_age_hours": None},
}
READY_EXAMPLE = {"success": True, "data": {"status": "ready", "checks": READY_CHECKS},
                 "message": None}
NOT_READY_EXAMPLE = {"success": False, "error": {
    "code": "not_ready", "message": "the API is not ready: see details",
    "details": {"warehouse": {"ok": False, "kind": "postgres",
                              "error": "WarehouseUnavailableError: PostgreSQL is unreachable"},
                "schema": {"ok": False, "error": "warehouse unreachable"},
                "last_batch": {"ok": False, "error": "warehouse unreachable"}}}}


def readiness_responses() -> dict[int | str, dict[str, Any]]:
    return {
        200: {"description": "Ready", "content": {"application/json": {"example": READY_EXAMPLE}}},
        503: {"description": "Not ready (the failing checks say why)",
              "content": {"application/json": {"example": NOT_READY_EXAMPLE}}},
    }
