"""GET /batch-runs/{id} — status and progress, for its owner or an admin."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from api.deps import CurrentUser, WarehouseDep
from api.errors import not_found
from api.queries import batch_runs as queries
from api.schemas.batch_runs import BatchRunPublic
from api.schemas.common import Envelope, example_of, ok, responses

router = APIRouter(prefix="/batch-runs", tags=["batch runs"])

_EXAMPLE = example_of(BatchRunPublic)


@router.get("/{run_id}", response_model=Envelope[BatchRunPublic],
            summary="Status and progress of a batch or backfill run",
            responses=responses(_EXAMPLE, 404))
def get_batch_run(run_id: Annotated[str, Path(max_length=64)], user: CurrentUser,
                  warehouse: WarehouseDep) -> dict:
    """Visible to the user who started it (or who owns its portfolio) and to admins;
    anyone else gets 404."""
    run = queries.visible_run(warehouse, run_id, user_id=user.id, is_admin=user.is_admin)
    if run is None:
        raise not_found(f"batch run {run_id} not found")
    return ok(run)
