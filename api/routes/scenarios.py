"""GET /risk/greeks/scenario — Greeks and a P&L grid of your book under a scenario.

:data:`ScenarioQuery` (the query parameters) is shared with the same route inside a
what-if session (``/modeling/sessions/{id}/risk/greeks/scenario``).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from api.deps import PortfolioId, SettingsDep, WarehouseDep
from api.errors import ApiError
from api.queries import greeks_scenario as queries
from api.schemas.common import Envelope, ok, recorded_examples, responses
from api.schemas.modeling import ScenarioReport

EXAMPLES = recorded_examples("whatif")  # recorded from the demo book
router = APIRouter(prefix="/risk/greeks", tags=["risk"])

MAX_GRID_POINTS = 41
DEFAULT_GRID_SPOT = "-20,-15,-10,-5,0,5,10,15,20"
DEFAULT_GRID_VOL = "-10,-5,0,5,10"
MAX_HORIZON_DAYS = 5 * 366


def _shifts(text: str, name: str, low: float, high: float) -> tuple[float, ...]:
    """A comma list of shifts, each in (low, high], distinct, at most 41."""
    bad: str | None = None
    try:
        values = tuple(float(part) for part in text.split(",") if part.strip())
    except ValueError:
        values = ()
        bad = f"{name} must be a comma list of numbers, got {text[:60]!r}"
    else:
        if not values or len(values) > MAX_GRID_POINTS:
            bad = f"{name} needs 1 to {MAX_GRID_POINTS} values"
        elif len(set(values)) != len(values):
            bad = f"{name} repeats a value"
        elif not all(low < v <= high for v in values):
            bad = f"{name} values must be in ({low:g}, {high:g}]"
    if bad:
        raise ApiError(422, bad, details=[{"loc": ["query", name], "msg": bad}])
    return values


def scenario_request(
    spot_shift: Annotated[float, Query(gt=-100, le=500, description="percent, e.g. -10")] = 0.0,
    vol_shift: Annotated[float, Query(ge=-100, le=500,
                                      description="volatility points, e.g. 5")] = 0.0,
    rate: Annotated[float | None, Query(ge=-0.05, le=0.5, description="annual decimal; "
                                        "default: the rate of the stored Greeks")] = None,
    valuation_date: Annotated[dt.date | None, Query(
        description="on or after the as-of date; default: the as-of date")] = None,
    grid_spot: Annotated[str, Query(description="spot shifts of the grid, percent, comma "
                                    "separated")] = DEFAULT_GRID_SPOT,
    grid_vol: Annotated[str, Query(description="vol shifts of the grid, points, comma "
                                   "separated")] = DEFAULT_GRID_VOL,
) -> queries.ScenarioRequest:
    return queries.ScenarioRequest(spot_shift, vol_shift, rate, valuation_date,
                                   _shifts(grid_spot, "grid_spot", -100, 500),
                                   _shifts(grid_vol, "grid_vol", -101, 500))


ScenarioQuery = Annotated[queries.ScenarioRequest, Depends(scenario_request)]


def check_valuation_date(request: queries.ScenarioRequest, as_of: dt.date) -> None:
    date = request.valuation_date
    if date is not None and not 0 <= (date - as_of).days <= MAX_HORIZON_DAYS:
        message = (f"valuation_date must be between the as-of date {as_of} and "
                   f"{MAX_HORIZON_DAYS} days after it")
        raise ApiError(422, message, details=[{"loc": ["query", "valuation_date"],
                                               "msg": message}])


@router.get("/scenario", response_model=Envelope[ScenarioReport],
            summary="Greeks at a spot / vol / rate / date scenario, and a P&L grid",
            responses=responses(EXAMPLES["greeks_scenario"], 404))
def get_scenario(portfolio_id: PortfolioId, warehouse: WarehouseDep, settings: SettingsDep,
                 request: ScenarioQuery) -> dict:
    """Per option and for the book: Greeks at the shifted inputs (S x (1 + spot_shift/100),
    sigma + vol_shift/100, rate, valuation date). The grid gives the book's P&L and value
    at each (spot, vol) shift by full Black-Scholes revaluation beside the delta-gamma
    approximation; units and conventions in `conventions`."""
    found = queries.book_inputs(warehouse, portfolio_id)
    if found is None:
        raise ApiError(404, f"portfolio {portfolio_id} has no risk run yet", code="no_risk_run")
    book, as_of = found
    check_valuation_date(request, as_of)
    rate = float(book["rate"].iloc[0]) if len(book) else settings.risk_free_rate
    return ok(queries.scenario_report(book, as_of, request, rate))
