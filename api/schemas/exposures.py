"""Exposure responses: per sector, industry, asset type or tag, with conventions."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Grouping = Literal["sector", "industry", "asset_type", "tag"]

EXPOSURE_CONVENTIONS: dict[str, Any] = {
    "exposure": "q x p x m per position (signed dollars, m = 100 for options), on the "
                "session's close",
    "long_short": "long = sum of exposure over exposure > 0 (>= 0); short = over exposure "
                  "< 0 (<= 0); gross = sum |exposure| = long - short; net = long + short",
    "of_equity": "*_of_equity = figure / equity, a fraction (0.25 = 25 %), null when "
                 "equity <= 0",
    "groups": "sector / industry / asset_type partition the book: their groups sum to "
              "the portfolio's long, short, gross and net on every day; positions "
              "without a sector or industry form 'Unknown'",
    "tags": "a position counts in every tag it carries (tag groups can add up to more "
            "than the book); positions without a tag form 'untagged'; today's tags are "
            "applied to every day",
    "horizon": "one row per session of the snapshot window (history); the default "
               "answer is the portfolio's latest session",
}


class GroupExposure(BaseModel):
    group_name: str = Field(description="sector, industry, STOCK | ETF | OPTION, or tag "
                                        "name; 'Unknown' / 'untagged' when absent")
    long_exposure: float = Field(description="dollars, >= 0")
    short_exposure: float = Field(description="dollars, <= 0")
    gross_exposure: float = Field(description="dollars, long - short")
    net_exposure: float = Field(description="dollars, signed")
    market_value: float = Field(description="dollars, sum |q| x p x m")
    long_of_equity: float | None = Field(description="fraction of equity")
    short_of_equity: float | None = Field(description="fraction of equity, <= 0")
    gross_of_equity: float | None = Field(description="fraction of equity")
    net_of_equity: float | None = Field(description="fraction of equity, signed")
    position_count: int


class ExposureDay(BaseModel):
    snapshot_date: dt.date
    groups: list[GroupExposure]


class ExposureReport(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "portfolio_id": 1, "by": "sector", "as_of": "2026-11-20", "equity": 3000000.0,
        "groups": [{"group_name": "Technology", "long_exposure": 900000.0,
                    "short_exposure": -300000.0, "gross_exposure": 1200000.0,
                    "net_exposure": 600000.0, "market_value": 1200000.0,
                    "long_of_equity": 0.3, "short_of_equity": -0.1, "gross_of_equity": 0.4,
                    "net_of_equity": 0.2, "position_count": 12}],
        "history": None, "conventions": EXPOSURE_CONVENTIONS,
    }]})

    portfolio_id: int
    by: Grouping
    as_of: dt.date = Field(description="the portfolio's latest snapshot session")
    equity: float | None = Field(description="dollars")
    groups: list[GroupExposure] = Field(description="the as-of session, by gross exposure "
                                                    "descending")
    history: list[ExposureDay] | None = Field(
        description="history=true: every session of the window, oldest first")
    conventions: dict[str, str]
