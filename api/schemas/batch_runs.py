"""Batch and backfill runs (``app.batch_runs``) and their progress."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.common import UtcDateTime


class RunAccepted(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"batch_run_id": "3f2a0c9e8b7d4e1fa2b3c4d5e6f70812"}]})

    batch_run_id: str = Field(description="poll GET /api/v1/batch-runs/{id}")


class BackfillProgress(BaseModel):
    provider: str
    start_date: dt.date | None
    end_date: dt.date | None
    total_symbols: int
    processed_symbols: int
    failed_symbols: int
    status: str
    error_details: Any = None


class BatchRunPublic(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": "3f2a0c9e8b7d4e1fa2b3c4d5e6f70812", "kind": "portfolio_backfill",
        "portfolio_id": 1, "requested_by": 1, "status": "running", "progress": 0.35,
        "message": "market_data done", "error": None, "details": None,
        "created_at": "2026-11-20T21:05:00Z", "started_at": "2026-11-20T21:05:01Z",
        "finished_at": None, "backfill": None, "request_id": "c0ffee0123456789",
    }]})

    id: str
    kind: str
    portfolio_id: int | None
    requested_by: int | None
    status: Literal["queued", "running", "completed", "failed", "skipped"] | str
    progress: float = Field(description="0..1")
    message: str | None
    error: str | None
    details: Any = Field(None, description=(
        "per-step timings, the market-data report and `quarantined` (portfolio id → reason "
        "of the books held out); for a non-admin only their own symbols and portfolios"))
    created_at: UtcDateTime | None
    started_at: UtcDateTime | None
    finished_at: UtcDateTime | None
    backfill: BackfillProgress | None = Field(
        None, description="per-symbol market-data progress, when the run recorded it; for a "
                          "non-admin counted over their own symbols (and the factor ETFs)")
    request_id: str | None = Field(
        None, description="X-Request-ID of the request that started the run (its logs carry "
                          "it); null for scheduled runs")
