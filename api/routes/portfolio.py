"""GET /portfolio, GET /portfolio/snapshots, POST /portfolio/upload."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, File, Form, Query, UploadFile

from api import batches
from api.deps import CurrentUser, PortfolioId, SettingsDep, WarehouseDep
from api.errors import ApiError, not_found
from api.queries import portfolio as queries
from api.queries import users
from api.schemas.common import Envelope, example_of, ok, responses
from api.schemas.portfolio import (
    SNAPSHOT_EXAMPLE,
    SUMMARY_EXAMPLE,
    PortfolioSummary,
    SnapshotHistory,
    UploadAccepted,
)
from ingest.csv_positions import (
    MAX_CSV_BYTES,
    CsvTooLargeError,
    CsvValidationError,
    problem_dicts,
)
from ingest.magnitudes import MAX_EQUITY, MIN_EQUITY
from ingest.quarantine import quarantined
from ingest.upload import DEFAULT_PORTFOLIO_NAME, upload_positions_csv, upload_today
from ingest.warehouse.data_version import bump_user, write_lock

router = APIRouter(prefix="/portfolio", tags=["portfolio"])

MAX_UPLOAD_BODY_BYTES = MAX_CSV_BYTES + 64 * 1024  # multipart framing + the equity field


@router.get("", response_model=Envelope[PortfolioSummary],
            summary="Latest snapshot: totals, exposures, P&L, counts by type",
            responses=responses(SUMMARY_EXAMPLE, 404, 409))
def get_portfolio(portfolio_id: PortfolioId, warehouse: WarehouseDep) -> dict:
    """The latest snapshot of your portfolio (`marts.fct_portfolio_snapshots`).

    Counts by type are those of the positions valued on the as-of date; `price_sources`
    says where the as-of prices came from (`synthetic` for the demo). 404 when the
    portfolio has no snapshot yet (its backfill is still running: see
    `GET /batch-runs/{id}`); 409 `portfolio_quarantined` when the batch's pre-flight
    check held the book out of the marts (the message says which positions break which
    bound; upload a corrected book).
    """
    summary = queries.portfolio_summary(warehouse, portfolio_id)
    if summary is None:
        held = quarantined(warehouse, [portfolio_id])
        if held:
            raise ApiError(409, f"portfolio {portfolio_id} is held out of the batch: "
                                f"{held[portfolio_id]}", code="portfolio_quarantined")
        raise ApiError(404, f"portfolio {portfolio_id} has no snapshot yet: its backfill "
                            "may still be running", code="no_snapshot")
    return ok(summary)


@router.get("/snapshots", response_model=Envelope[SnapshotHistory],
            summary="Daily history: value, exposures, P&L, return",
            responses=responses({"portfolio_id": 1, "start": None, "end": None, "count": 1,
                                 "snapshots": [SNAPSHOT_EXAMPLE]}, 404))
def get_snapshots(
    portfolio_id: PortfolioId, warehouse: WarehouseDep,
    start: Annotated[dt.date | None, Query(description="first date (inclusive)")] = None,
    end: Annotated[dt.date | None, Query(description="last date (inclusive)")] = None,
) -> dict:
    """One row per XNYS session of the snapshot window (oldest first), within
    `start`..`end` when given."""
    if start is not None and end is not None and start > end:
        raise ApiError(422, "start must not be after end", code="validation_error",
                       details=[{"loc": ["query", "start"], "msg": "start > end",
                                 "type": "value_error"}])
    rows = queries.snapshots(warehouse, portfolio_id, start, end)
    return ok({"portfolio_id": portfolio_id, "start": start, "end": end, "count": len(rows),
               "snapshots": rows})


@router.post(
    "/upload", status_code=202, response_model=Envelope[UploadAccepted],
    summary="Replace your book with a positions CSV; starts its backfill",
    responses=responses(example_of(UploadAccepted),
                        404, 413, 429, status=202, description="Accepted: backfill queued"),
)
def upload_portfolio(
    user: CurrentUser, settings: SettingsDep, warehouse: WarehouseDep,
    file: Annotated[UploadFile, File(
        description="CSV, UTF-8, header `ticker,quantity,entry_price,entry_date,tags` "
                    f"(`csvticker` accepted); at most {MAX_CSV_BYTES:,} bytes",
        examples=["ticker,quantity,entry_price,entry_date,tags\n"
                  "AAPL,320,236.48,2026-09-16,\"tech,core\"\n"
                  "AAPL261218C00250000,10,12.5,2026-10-01,hedge\n"])],
    equity: Annotated[float | None, Form(
        ge=MIN_EQUITY, le=MAX_EQUITY, allow_inf_nan=False,
        description="portfolio equity in dollars; default: gross market value of the "
                    "first snapshot day", examples=[3000000])] = None,
    portfolio_id: Annotated[int | None, Query(
        ge=1, description="one of your portfolios; default: your portfolio")] = None,
) -> dict:
    """Validate the whole file; on any problem answer 422 listing the first problems
    (row, column, message; at most `csv_max_problems`, 200 by default) with their
    `total` count, and write nothing. Otherwise replace the book in one transaction
    (positions matched by symbol and entry date keep their id and tags) and queue the
    backfill (prices, models, marts); poll `GET /batch-runs/{batch_run_id}`. A newer
    upload supersedes this backfill while it is still queued (it is then `skipped`);
    429 with `Retry-After` when `batch_queue_limit` runs are already queued.
    """
    name = DEFAULT_PORTFOLIO_NAME
    target = portfolio_id or user.portfolio_id
    if target is not None:
        if portfolio_id is not None and portfolio_id != user.portfolio_id and \
                not users.owned_portfolio(warehouse, user.id, portfolio_id):
            raise not_found(f"portfolio {portfolio_id} not found")
        name = users.portfolio_name(warehouse, target) or DEFAULT_PORTFOLIO_NAME
    batches.ensure_queue_room(settings, warehouse, target)
    data = file.file.read(MAX_CSV_BYTES + 1)
    try:
        with write_lock(user.id):  # the book and the user's data version commit together
            result = upload_positions_csv(
                warehouse, user_id=user.id, data=data, today=upload_today(settings),
                equity=equity, portfolio_name=name, max_problems=settings.csv_max_problems,
                in_transaction=lambda conn: bump_user(conn, user.id))
    except CsvTooLargeError as error:
        raise ApiError(413, str(error), details={"max_bytes": error.max_bytes}) from error
    except CsvValidationError as error:
        raise ApiError(422, str(error), code="invalid_csv",
                       details=problem_dicts(error.problems), total=error.total) from error
    run_id = batches.start_portfolio_backfill(settings, result.portfolio_id, user.id)
    return ok({"batch_run_id": run_id, "portfolio_id": result.portfolio_id,
               "upload_id": result.upload_id, "positions": len(result.position_ids),
               "inserted": result.inserted, "updated": result.updated,
               "removed": result.removed})
