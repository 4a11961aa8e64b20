"""Positions with their latest values, filters, groups and pagination.

Values are those of the portfolio's as-of date in ``marts.fct_position_values_daily``
(design §5: market value = |q|·p·m ≥ 0, exposure = q·p·m signed, cost basis =
q·entry·m, unrealized P&L = exposure − cost basis, daily P&L = q·(p_t − p_{t−1})·m).
A position with no value on that date (e.g. entered after it) has null values.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.tags import TagRef

PositionType = Literal["LONG", "SHORT", "LC", "LP", "SC", "SP"]
POSITION_TYPES: tuple[str, ...] = ("LONG", "SHORT", "LC", "LP", "SC", "SP")

_POSITION_EXAMPLE: dict[str, Any] = {
    "position_id": 42, "symbol": "AAPL", "underlying_symbol": "AAPL", "asset_type": "STOCK",
    "position_type": "LONG", "option_type": None, "strike": None, "expiry_date": None,
    "quantity": 1000.0, "entry_price": 180.5, "entry_price_as_traded": 361.0,
    "entry_price_basis": "as_traded", "entry_date": "2026-06-02", "multiplier": 1,
    "sector": "Technology", "industry": "Consumer Electronics",
    "valuation_date": "2026-11-20", "price": 195.25, "previous_price": 194.1,
    "price_source": "synthetic", "price_date": "2026-11-20", "price_is_stale": False,
    "market_value": 195250.0, "exposure": 195250.0,
    "cost_basis": 180500.0, "unrealized_pnl": 14750.0, "daily_pnl": 1150.0,
    "mtd_pnl": 3200.0, "ytd_pnl": 14750.0,
    "tags": [{"id": 7, "name": "tech", "color": "#1F77B4"}],
}


class PositionPublic(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [_POSITION_EXAMPLE]})

    position_id: int
    symbol: str = Field(description="ticker, or the compact OCC symbol of an option")
    underlying_symbol: str | None
    asset_type: str | None = Field(description="STOCK | ETF | OPTION")
    position_type: PositionType
    option_type: str | None = Field(description="C | P for options")
    strike: float | None
    expiry_date: dt.date | None
    quantity: float = Field(description="signed: shares or contracts")
    entry_price: float = Field(description="per share (options: premium per share), "
                                           "split-adjusted to today's shares")
    entry_price_as_traded: float | None = Field(
        None, description="the entry price as uploaded (before split adjustment)")
    entry_price_basis: str | None = Field(
        None, description="as_traded | split_adjusted: how the upload gave the price")
    entry_date: dt.date
    multiplier: float = Field(description="100 for options, 1 otherwise")
    sector: str | None
    industry: str | None
    valuation_date: dt.date | None
    price: float | None
    previous_price: float | None
    price_source: str | None
    price_date: dt.date | None = Field(None, description="session of the close used")
    price_is_stale: bool | None = Field(None, description="no bar that session: valued at "
                                                          "the last close (price_date)")
    market_value: float | None
    exposure: float | None
    cost_basis: float | None
    unrealized_pnl: float | None
    daily_pnl: float | None
    mtd_pnl: float | None
    ytd_pnl: float | None
    tags: list[TagRef] = Field(description="live from the app tables")


class Subtotals(BaseModel):
    count: int
    market_value: float | None
    exposure: float | None
    unrealized_pnl: float | None
    daily_pnl: float | None


class PositionGroup(Subtotals):
    """Subtotals over every filtered position of the group (not only the page)."""

    key: str | None = Field(description="the position type, the tag name (null = "
                                        "untagged), or the sector / industry ('Unknown' "
                                        "when the security master has none)")
    tag_id: int | None = Field(None, description="groupBy=tag only")
    color: str | None = Field(None, description="groupBy=tag only")
    position_ids: list[int]


class PositionsPage(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "portfolio_id": 1, "as_of": "2026-11-20", "total": 1, "limit": 100, "offset": 0,
        "items": [_POSITION_EXAMPLE],
        "totals": {"count": 1, "market_value": 195250.0, "exposure": 195250.0,
                   "unrealized_pnl": 14750.0, "daily_pnl": 1150.0},
        "group_by": "type",
        "groups": [{"key": "LONG", "tag_id": None, "color": None, "count": 1,
                    "market_value": 195250.0, "exposure": 195250.0,
                    "unrealized_pnl": 14750.0, "daily_pnl": 1150.0, "position_ids": [42]}],
    }]})

    portfolio_id: int
    as_of: dt.date | None = Field(description="the valuation date (null before the first "
                                              "build)")
    total: int = Field(description="positions matching the filters (all pages)")
    limit: int
    offset: int
    items: list[PositionPublic] = Field(description="this page, ordered by symbol, entry date")
    totals: Subtotals = Field(description="over every filtered position (all pages)")
    stale_positions: int = Field(0, description="filtered positions valued at a close "
                                 "carried forward (no bar on the as-of date)")
    group_by: Literal["type", "tag", "sector", "industry"] | None
    groups: list[PositionGroup] | None = Field(
        description="groupBy only: a position with several tags is in each of their "
                    "groups; untagged positions form the group with key null")
