"""Risk a PM can act on: factor risk model, correlations, stress, concentration and
liquidity, benchmark-relative and rolling metrics of your portfolio."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel

from api.deps import CurrentUser, PortfolioId, WarehouseDep
from api.errors import ApiError
from api.queries import book_risk as queries
from api.queries import stress as stress_queries
from api.schemas.book_risk import (
    BenchmarkReport,
    ConcentrationReport,
    CorrelationReport,
    FactorModelReport,
)
from api.schemas.common import Envelope, example_of, ok, responses
from api.schemas.stress import ScenarioLibrary, StressReport, StressRequest

router = APIRouter(prefix="/risk", tags=["risk"])


def _documented(model: type[BaseModel]) -> dict[int | str, dict[str, Any]]:
    """The route's success example (recorded from the demo) and its error envelopes."""
    return responses(example_of(model), 404)


def _found(data: dict | None, portfolio_id: int) -> dict:
    if data is None:
        raise ApiError(404, f"portfolio {portfolio_id} has no risk run yet: its backfill may "
                            "still be running", code="no_risk_run")
    return ok(data)


@router.get("/factor-model", response_model=Envelope[FactorModelReport],
            responses=_documented(FactorModelReport),
            summary="Factor covariance, factor vs specific risk and Euler contributions")
def get_factor_model(portfolio_id: PortfolioId, warehouse: WarehouseDep) -> dict:
    """The 7 factor ETFs' annualised covariance and correlation, the portfolio's factor,
    specific and total risk (annualised dollars) from the joint multi-factor exposures,
    and each factor's Euler contribution."""
    return _found(queries.factor_model(warehouse, portfolio_id), portfolio_id)


@router.get("/correlations", response_model=Envelope[CorrelationReport],
            responses=_documented(CorrelationReport),
            summary="Most correlated pairs of the book (matrix on request)")
def get_correlations(
    portfolio_id: PortfolioId, warehouse: WarehouseDep,
    matrix: Annotated[bool, Query(description="also the full matrix of the book's "
                                              "underlyings")] = False,
) -> dict:
    return _found(queries.correlations(warehouse, portfolio_id, matrix), portfolio_id)


@router.get("/concentration", response_model=Envelope[ConcentrationReport],
            responses=_documented(ConcentrationReport),
            summary="Concentration (top weights, Herfindahl) and "
                    "liquidity (% of ADV, days to liquidate)")
def get_concentration(portfolio_id: PortfolioId, warehouse: WarehouseDep) -> dict:
    return _found(queries.concentration(warehouse, portfolio_id), portfolio_id)


@router.get("/benchmark", response_model=Envelope[BenchmarkReport],
            responses=_documented(BenchmarkReport),
            summary="Alpha, beta, tracking error, IR, Sortino, Calmar, capture vs SPY; "
                    "rolling 20-day volatility, beta and Sharpe")
def get_benchmark(portfolio_id: PortfolioId, warehouse: WarehouseDep) -> dict:
    return _found(queries.benchmark(warehouse, portfolio_id), portfolio_id)


@router.get("/stress/scenarios", response_model=Envelope[ScenarioLibrary],
            responses=_documented(ScenarioLibrary),
            summary="The named scenarios and the worst historical windows, with results")
def get_stress_scenarios(portfolio_id: PortfolioId, warehouse: WarehouseDep) -> dict:
    return _found(stress_queries.scenario_library(warehouse, portfolio_id), portfolio_id)


@router.post("/stress", response_model=Envelope[StressReport],
             responses=_documented(StressReport),
             summary="Ad-hoc factor shocks with full option revaluation")
def post_stress(body: StressRequest, user: CurrentUser, portfolio_id: PortfolioId,
                warehouse: WarehouseDep) -> dict:
    """P&L of every position, per sector, per tag and in total when the given factors move
    by `shocks` (unshocked factors by their conditional expectation) and every option's
    volatility by `vol_shift`. Computed on request; nothing is stored."""
    return _found(stress_queries.run_stress(warehouse, user.id, portfolio_id, body.shocks,
                                            body.vol_shift), portfolio_id)
