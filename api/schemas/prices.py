"""Daily closes of one symbol, with each row's source."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict


class PriceRow(BaseModel):
    price_date: dt.date
    open: float | None
    high: float | None
    low: float | None
    close: float
    volume: float | None
    source: str


class PriceHistory(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "symbol": "AAPL", "asset_type": "STOCK", "underlying_symbol": "AAPL", "start": None,
        "end": None, "count": 1,
        "prices": [{"price_date": "2026-11-20", "open": 194.0, "high": 196.1, "low": 193.5,
                    "close": 195.25, "volume": 51234000.0, "source": "synthetic"}],
    }]})

    symbol: str
    asset_type: str | None
    underlying_symbol: str | None
    start: dt.date | None
    end: dt.date | None
    count: int
    prices: list[PriceRow]
