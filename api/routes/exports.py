"""CSV exports of your book: positions, snapshots, Greeks, factors, VaR components.

``GET /positions/export``, ``/portfolio/snapshots/export``, ``/risk/greeks/export``,
``/risk/factors/export`` and ``/risk/metrics/export`` (``format=csv``, the only format)
stream the rows of the matching read endpoint as an RFC 4180 attachment; text cells that
a spreadsheet would run as a formula (``= + - @``) are neutralised
(:mod:`api.exports.csv_stream`). Units are those of the JSON endpoints.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from api.deps import CurrentUser, PortfolioId, WarehouseDep
from api.errors import ApiError
from api.exports.csv_stream import csv_response
from api.queries import portfolio as portfolio_queries
from api.queries import positions as position_queries
from api.queries import risk as risk_queries
from api.schemas.exports import CSV_EXAMPLE, CsvAttachment, file_responses

router = APIRouter(tags=["exports"])

CsvFormat = Annotated[Literal["csv"], Query(description="csv (RFC 4180, UTF-8)")]
_CSV = file_responses("CSV attachment (RFC 4180, UTF-8)", text_csv=CSV_EXAMPLE)
POSITION_COLUMNS = ["position_id", "symbol", "underlying_symbol", "asset_type",
                    "position_type", "option_type", "strike", "expiry_date", "quantity",
                    "multiplier", "entry_price", "entry_date", "valuation_date", "price",
                    "price_source", "market_value", "exposure", "cost_basis",
                    "unrealized_pnl", "daily_pnl", "mtd_pnl", "ytd_pnl", "sector",
                    "industry", "tags"]
SNAPSHOT_COLUMNS = ["snapshot_date", *portfolio_queries.VALUE_COLUMNS, "position_count"]
GREEK_COLUMNS = ["position_id", "symbol", "underlying_symbol", "asset_type", "position_type",
                 "quantity", "multiplier", "spot", "strike", "expiry_date", "days_to_expiry",
                 "volatility", "rate", "greeks_source", "theoretical_price", "delta",
                 "gamma", "theta", "vega", "rho", "dollar_delta"]
FACTOR_COLUMNS = ["position_id", "symbol", "underlying_symbol", "factor", "beta", "std_error",
                  "t_stat", "r_squared", "n_obs", "quality_flag", "delta_adjusted_exposure",
                  "dollar_exposure"]
COMPONENT_COLUMNS = ["component_level", "position_id", "symbol", "underlying_symbol",
                     "tag_id", "tag_name", "delta_adjusted_exposure", "marginal_var",
                     "component_var", "share_of_var"]


def _records(rows: Iterable[dict[str, Any]], columns: Sequence[str]) -> Iterable[tuple]:
    return (tuple(row.get(column) for column in columns) for row in rows)


def _export(name: str, portfolio_id: int, as_of: Any, columns: list[str],
            rows: Iterable[dict[str, Any]]) -> StreamingResponse:
    day = as_of.isoformat() if isinstance(as_of, dt.date) else "latest"
    return csv_response(f"portfolio-{portfolio_id}-{name}-{day}.csv", columns,
                        _records(rows, columns))


def _risk_or_404(data: dict[str, Any] | None, portfolio_id: int) -> dict[str, Any]:
    if data is None:
        raise ApiError(404, f"portfolio {portfolio_id} has no risk run yet", code="no_risk_run")
    return data


@router.get("/positions/export", response_class=CsvAttachment, responses=_CSV,
            summary="Positions with their latest values, as CSV")
def export_positions(user: CurrentUser, portfolio_id: PortfolioId, warehouse: WarehouseDep,
                     format: CsvFormat = "csv") -> StreamingResponse:  # noqa: A002
    """One row per position (as `GET /positions`); `tags` = tag names joined by `;`."""
    page = position_queries.list_positions(
        warehouse, user_id=user.id, portfolio_id=portfolio_id,
        criteria=position_queries.PositionFilter(), group_by=None, limit=2**62, offset=0)
    rows = ({**item, "tags": ";".join(tag["name"] for tag in item["tags"])}
            for item in page["items"])
    return _export("positions", portfolio_id, page.get("as_of"), POSITION_COLUMNS, rows)


@router.get("/portfolio/snapshots/export", response_class=CsvAttachment, responses=_CSV,
            summary="Daily snapshots, as CSV")
def export_snapshots(portfolio_id: PortfolioId, warehouse: WarehouseDep,
                     start: dt.date | None = None, end: dt.date | None = None,
                     format: CsvFormat = "csv") -> StreamingResponse:  # noqa: A002
    rows = portfolio_queries.snapshots(warehouse, portfolio_id, start, end)
    return _export("snapshots", portfolio_id, end, SNAPSHOT_COLUMNS, rows)


@router.get("/risk/greeks/export", response_class=CsvAttachment, responses=_CSV,
            summary="Position Greeks with their inputs, as CSV")
def export_greeks(portfolio_id: PortfolioId, warehouse: WarehouseDep,
                  format: CsvFormat = "csv") -> StreamingResponse:  # noqa: A002
    data = _risk_or_404(risk_queries.greeks(warehouse, portfolio_id, "portfolio"), portfolio_id)
    return _export("greeks", portfolio_id, data["as_of"], GREEK_COLUMNS, data["positions"])


@router.get("/risk/factors/export", response_class=CsvAttachment, responses=_CSV,
            summary="Per position and factor: beta with its statistics, dollar exposure")
def export_factors(portfolio_id: PortfolioId, warehouse: WarehouseDep,
                   format: CsvFormat = "csv") -> StreamingResponse:  # noqa: A002
    data = _risk_or_404(risk_queries.factors(warehouse, portfolio_id), portfolio_id)
    return _export("factors", portfolio_id, data["as_of"], FACTOR_COLUMNS, data["positions"])


@router.get("/risk/metrics/export", response_class=CsvAttachment, responses=_CSV,
            summary="Component VaR per position and per tag, as CSV")
def export_var_components(portfolio_id: PortfolioId, warehouse: WarehouseDep,
                          format: CsvFormat = "csv") -> StreamingResponse:  # noqa: A002
    """Parametric VaR 95 %, 1 day: one row per position and per tag (positive dollars;
    position rows sum to the VaR of `GET /risk/metrics`)."""
    data = _risk_or_404(risk_queries.metrics(warehouse, portfolio_id), portfolio_id)
    rows = [*data["var_components_positions"], *data["var_components_tags"]]
    return _export("var-components", portfolio_id, data["as_of"], COMPONENT_COLUMNS, rows)
