"""POST /admin/daily-update — admin only."""

from __future__ import annotations

from fastapi import APIRouter

from api import batches
from api.deps import AdminUser, SettingsDep, WarehouseDep
from api.schemas.batch_runs import RunAccepted
from api.schemas.common import Envelope, ok, responses

router = APIRouter(prefix="/admin", tags=["admin"])


@router.post("/daily-update", status_code=202, response_model=Envelope[RunAccepted],
             summary="Start the daily batch (admin only)",
             responses=responses({"batch_run_id": "3f2a0c9e8b7d4e1fa2b3c4d5e6f70812"}, 403, 429,
                                 status=202, description="Accepted: batch queued"))
def daily_update(admin: AdminUser, settings: SettingsDep, warehouse: WarehouseDep) -> dict:
    """Queue the daily batch (prices, models, marts for every portfolio); on a day that
    is not an XNYS session the run is recorded as `skipped`. Poll
    `GET /batch-runs/{batch_run_id}`. 429 with `Retry-After` when `batch_queue_limit`
    runs are already queued."""
    batches.ensure_queue_room(settings, warehouse)
    run_id = batches.start_daily_update(settings, requested_by=admin.id)
    return ok({"batch_run_id": run_id})
