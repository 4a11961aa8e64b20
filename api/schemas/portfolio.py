"""Portfolio summary, daily snapshots and the upload answer.

Money is in dollars (double precision); exposures are signed (``short_exposure`` ≤ 0,
``gross = long − short``, ``net = long + short``); ``daily_return`` is
``daily_pnl / previous_portfolio_value`` (a fraction, 0.01 = 1 %).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class PositionCounts(BaseModel):
    position_count: int = Field(description="positions valued on the as-of date")
    long_count: int = Field(description="LONG stock/ETF positions")
    short_count: int = Field(description="SHORT stock/ETF positions")
    option_count: int = Field(description="LC + LP + SC + SP")
    lc_count: int = Field(description="long calls")
    lp_count: int = Field(description="long puts")
    sc_count: int = Field(description="short calls")
    sp_count: int = Field(description="short puts")
    positions_in_book: int = Field(description="every position of the book "
                                               "(incl. any not valued on the as-of date)")


class SnapshotValues(BaseModel):
    equity: float | None = Field(description="portfolio equity (set on upload, or the gross "
                                             "market value of the first snapshot day)")
    market_value: float | None = Field(description="Σ |q|·p·m")
    long_exposure: float | None = Field(description="Σ exposure over exposure > 0")
    short_exposure: float | None = Field(description="Σ exposure over exposure < 0 (≤ 0)")
    gross_exposure: float | None = Field(description="Σ |exposure| = long − short")
    net_exposure: float | None = Field(description="Σ exposure = long + short")
    daily_pnl: float | None = Field(description="Σ q·(p_t − p_{t−1})·m")
    mtd_pnl: float | None = Field(description="month-to-date P&L")
    ytd_pnl: float | None = Field(description="year-to-date P&L")
    cumulative_pnl: float | None = Field(description="P&L since the window's first day")
    portfolio_value: float | None = Field(description="V_t = equity + cumulative P&L")
    previous_portfolio_value: float | None = Field(description="V_{t−1}")
    daily_return: float | None = Field(description="P&L_t / V_{t−1}, a fraction")


_SUMMARY_EXAMPLE: dict[str, Any] = {
    "portfolio_id": 1, "name": "Main portfolio", "as_of": "2026-11-20",
    "equity": 3012345.67, "market_value": 3050000.0, "long_exposure": 1900000.0,
    "short_exposure": -1100000.0, "gross_exposure": 3000000.0, "net_exposure": 800000.0,
    "daily_pnl": 12345.6, "mtd_pnl": 45678.9, "ytd_pnl": 123456.7, "cumulative_pnl": 98765.4,
    "portfolio_value": 3111111.07, "previous_portfolio_value": 3098765.47,
    "daily_return": 0.003984,
    "counts": {"position_count": 50, "long_count": 20, "short_count": 15, "option_count": 15,
               "lc_count": 5, "lp_count": 3, "sc_count": 4, "sp_count": 3,
               "positions_in_book": 50},
    "stale_positions": 0,
    "price_sources": ["synthetic"],
}


class PortfolioSummary(SnapshotValues):
    """The latest snapshot of a portfolio (``marts.fct_portfolio_snapshots``)."""

    model_config = ConfigDict(json_schema_extra={"examples": [_SUMMARY_EXAMPLE]})

    portfolio_id: int
    name: str
    as_of: dt.date = Field(description="the snapshot date (latest XNYS session built)")
    counts: PositionCounts
    stale_positions: int = Field(0, description="positions valued at a close carried "
                                 "forward on the as-of date (no bar that session)")
    price_sources: list[str] = Field(description="sources of the as-of prices "
                                                 "(`synthetic`, `polygon`)")


class SnapshotPublic(SnapshotValues):
    snapshot_date: dt.date
    position_count: int


_SNAPSHOT_EXAMPLE: dict[str, Any] = {
    "snapshot_date": "2026-11-20", "equity": 3012345.67, "market_value": 3050000.0,
    "long_exposure": 1900000.0, "short_exposure": -1100000.0, "gross_exposure": 3000000.0,
    "net_exposure": 800000.0, "daily_pnl": 12345.6, "mtd_pnl": 45678.9, "ytd_pnl": 123456.7,
    "cumulative_pnl": 98765.4, "portfolio_value": 3111111.07,
    "previous_portfolio_value": 3098765.47, "daily_return": 0.003984, "position_count": 50,
}


class SnapshotHistory(BaseModel):
    """One row per XNYS session of the snapshot window, oldest first."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"portfolio_id": 1, "start": None, "end": None, "count": 1,
         "snapshots": [_SNAPSHOT_EXAMPLE]}]})

    portfolio_id: int
    start: dt.date | None
    end: dt.date | None
    count: int
    snapshots: list[SnapshotPublic]


class UploadAccepted(BaseModel):
    """The book was replaced; its backfill runs in the background."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"batch_run_id": "3f2a0c9e8b7d4e1fa2b3c4d5e6f70812", "portfolio_id": 1,
         "upload_id": "9c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f", "positions": 50, "inserted": 50,
         "updated": 0, "removed": 0}]})

    batch_run_id: str = Field(description="poll GET /api/v1/batch-runs/{id}")
    portfolio_id: int
    upload_id: str
    positions: int
    inserted: int
    updated: int
    removed: int

SNAPSHOT_EXAMPLE = _SNAPSHOT_EXAMPLE
SUMMARY_EXAMPLE = _SUMMARY_EXAMPLE
