"""GET /risk/exposures — long / short / gross / net per sector, industry, type or tag."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import PortfolioId, WarehouseDep
from api.errors import ApiError
from api.queries import exposures as queries
from api.schemas.common import Envelope, example_of, ok, responses
from api.schemas.exposures import ExposureReport, Grouping

router = APIRouter(prefix="/risk", tags=["risk"])

_EXAMPLE = example_of(ExposureReport)


@router.get("/exposures", response_model=Envelope[ExposureReport],
            summary="Exposure per sector, industry, asset type or tag (dollars and % of "
                    "equity)",
            responses=responses(_EXAMPLE, 404))
def get_exposures(
    portfolio_id: PortfolioId, warehouse: WarehouseDep,
    by: Annotated[Grouping, Query(description="the grouping")] = "sector",
    history: Annotated[bool, Query(description="also every session of the window")] = False,
) -> dict:
    """Long, short, gross and net exposure and market value per group on the portfolio's
    latest session, each also as a fraction of equity; `history=true` adds every session
    of the snapshot window (for charts). Conventions in `conventions`."""
    data = queries.exposures(warehouse, portfolio_id, by, history)
    if data is None:
        raise ApiError(404, f"portfolio {portfolio_id} has no snapshot yet: its backfill "
                            "may still be running", code="no_snapshot")
    return ok(data)
