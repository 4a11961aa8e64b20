"""GET /risk/greeks, /risk/factors, /risk/metrics — the risk marts of your portfolio."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import PortfolioId, WarehouseDep
from api.errors import ApiError
from api.queries import risk as queries
from api.schemas.common import Envelope, ok, responses
from api.schemas.risk import (
    FACTORS_EXAMPLE,
    GREEKS_EXAMPLE,
    METRICS_EXAMPLE,
    FactorReport,
    GreeksReport,
    MetricsReport,
)

router = APIRouter(prefix="/risk", tags=["risk"])


def _no_run(portfolio_id: int) -> ApiError:
    return ApiError(404, f"portfolio {portfolio_id} has no risk run yet: its backfill may "
                         "still be running", code="no_risk_run")


@router.get("/greeks", response_model=Envelope[GreeksReport],
            summary="Position Greeks with their Black-Scholes inputs, and totals",
            responses=responses(GREEKS_EXAMPLE, 404))
def get_greeks(
    portfolio_id: PortfolioId, warehouse: WarehouseDep,
    view: Annotated[queries.View, Query(
        description="portfolio = every position; longs = quantity > 0; "
                    "shorts = quantity < 0")] = "portfolio",
) -> dict:
    """One row per position with S, K, expiry, days, σ, r and `greeks_source`
    (`black_scholes` | `stock` | `fallback`); units in `conventions`."""
    data = queries.greeks(warehouse, portfolio_id, view)
    if data is None:
        raise _no_run(portfolio_id)
    return ok(data)


@router.get("/factors", response_model=Envelope[FactorReport],
            summary="Exposure to 8 factors, and per-position β with n_obs, SE, t, R²",
            responses=responses(FACTORS_EXAMPLE, 404))
def get_factors(portfolio_id: PortfolioId, warehouse: WarehouseDep) -> dict:
    """Portfolio exposure (Σ dollar exposure / equity) to SPY, MTUM, VTV, VUG, QUAL, IWM,
    SPLV and short interest; per position and factor the underlying's β with its OLS
    statistics and quality flag."""
    data = queries.factors(warehouse, portfolio_id)
    if data is None:
        raise _no_run(portfolio_id)
    return ok(data)


@router.get("/metrics", response_model=Envelope[MetricsReport],
            summary="Volatility, Sharpe, drawdown, β, VaR/ES and component VaR",
            responses=responses(METRICS_EXAMPLE, 404))
def get_metrics(portfolio_id: PortfolioId, warehouse: WarehouseDep) -> dict:
    """Return-based metrics over the snapshot window, historical and parametric VaR
    (95 %, 1 day, positive losses) and Euler component VaR per position and per tag."""
    data = queries.metrics(warehouse, portfolio_id)
    if data is None:
        raise _no_run(portfolio_id)
    return ok(data)
