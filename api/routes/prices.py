"""GET /prices/{symbol} — daily closes with each row's source."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Path, Query

from api.deps import CurrentUser, WarehouseDep
from api.errors import ApiError, not_found
from api.queries import prices as queries
from api.queries.users import own_symbols
from api.schemas.common import Envelope, example_of, ok, responses
from api.schemas.prices import PriceHistory
from ingest.occ import SymbolError, parse_symbol

router = APIRouter(prefix="/prices", tags=["prices"])

_EXAMPLE = example_of(PriceHistory)


def normalise_symbol(text: str) -> str:
    """Tickers as given; OCC symbols (padded or ``O:``-prefixed) in the compact form."""
    try:
        return parse_symbol(text.strip())[0]
    except SymbolError:
        return text.strip()


@router.get("/{symbol}", response_model=Envelope[PriceHistory],
            summary="Daily closes of a symbol, with each row's source",
            responses=responses(_EXAMPLE, 404))
def get_prices(
    user: CurrentUser, warehouse: WarehouseDep,
    symbol: Annotated[str, Path(max_length=32, description="ticker or OCC option symbol",
                                examples=["AAPL"])],
    start: Annotated[dt.date | None, Query(description="first date (inclusive)")] = None,
    end: Annotated[dt.date | None, Query(description="last date (inclusive)")] = None,
) -> dict:
    """Adjusted daily bars as loaded into `raw.prices_daily` (source `synthetic` or
    `polygon`), for the symbols of your book (positions, your options' underlyings) and
    the factor ETFs. 404 for any other symbol — whether or not another book holds it: the
    answer is decided from your own book before the prices are read — and for one never
    loaded."""
    if start is not None and end is not None and start > end:
        raise ApiError(422, "start must not be after end", code="validation_error",
                       details=[{"loc": ["query", "start"], "msg": "start > end",
                                 "type": "value_error"}])
    normalised = normalise_symbol(symbol)
    if normalised not in own_symbols(warehouse, user.id):
        raise not_found(f"no prices for symbol {normalised!r}")
    history = queries.price_history(warehouse, normalised, start, end)
    if history is None:
        raise not_found(f"no prices for symbol {normalised!r}")
    return ok(history)
