"""What-if sessions, trades, pro-forma risk and scenarios: request and response bodies.

Every figure of the pro-forma report is ``{"current", "pro_forma", "change"}`` with
change = pro_forma − current; the units are those of the book's own reports
(``GET /portfolio``, ``/risk/greeks``, ``/risk/factors``, ``/risk/metrics``) and are
repeated in ``conventions``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field

from api.schemas.common import DbId, UtcDateTime
from api.schemas.risk import FACTOR_CONVENTIONS, GREEKS_CONVENTIONS, METRICS_CONVENTIONS

PRO_FORMA_CONVENTIONS = {
    "current": "the frozen book as of the session's as-of date (its stored risk)",
    "pro_forma": "the frozen book after the session's trades, on the same frozen market "
                 "inputs (closes, sigma, betas, covariance)",
    "change": "pro_forma - current (NULL when either is NULL)",
    "trades": "a trade changes the quantity of the position it names (or of the only "
              "position holding its symbol); a symbol not held opens one new position; a "
              "position netted to zero is removed. Quantities add as exact decimals.",
    "marks": "exposures use the last close of the as-of date (a new position without a "
             "close: its trade price); a trade's price matters only for its export",
    "equity": "unchanged by trades (a hypothetical trade is financed in cash): the "
              "*_of_equity figures divide by the book's equity",
    "exposures": "exposure = q x p x m (signed dollars); long/short = sum over exposure "
                 "> 0 / < 0 (short <= 0); gross = long - short; net = long + short",
    "greeks": GREEKS_CONVENTIONS["position_greeks"],
    "factors": FACTOR_CONVENTIONS["exposure"],
    "var": METRICS_CONVENTIONS["parametric_var"],
    "component_var": METRICS_CONVENTIONS["component_var"],
}


class SessionCreate(BaseModel):
    name: str | None = Field(None, min_length=1, max_length=100,
                             pattern=r"^[^\x00-\x1f\x7f]*$",  # no control characters
                             description="default: 'what-if <UTC time>'")
    portfolio_id: DbId | None = Field(None, description="one of your portfolios; default: "
                                                        "yours")


class SessionPublic(BaseModel):
    id: str = Field(description="session id (32 hex characters)")
    name: str
    portfolio_id: int
    as_of: dt.date = Field(description="as-of date of the frozen book and market inputs")
    created_at: UtcDateTime = Field(description="UTC")
    last_used_at: UtcDateTime = Field(description="UTC; every request refreshes it")
    expires_at: UtcDateTime = Field(description="UTC: last_used_at + ttl_hours")
    ttl_hours: float
    n_positions: int | None = None
    n_trades: int | None = None


class TradesCreate(BaseModel):
    trades: list[dict[str, Any]] = Field(
        description="each: `symbol` (ticker or OCC option), `quantity` (signed change: buy "
                    "> 0, sell < 0; a number or decimal string; options whole contracts), "
                    "optional `price` (per share; default the last close), optional "
                    "`position_id` (the book position to resize or remove)",
        examples=[[{"symbol": "NVDA", "quantity": 100},
                   {"symbol": "AAPL261218C00250000", "quantity": -5, "price": 12.4}]])


class TradePublic(BaseModel):
    id: int
    symbol: str
    position_id: int | None = Field(description="the book position it resizes, if named")
    quantity: Decimal = Field(description="signed change, exact decimal")
    price: float = Field(description="per share (options: premium per share)")
    price_source: str = Field(description="given | last_close")
    created_at: UtcDateTime
    updated_at: UtcDateTime


class Compared(BaseModel):
    current: Any = None
    pro_forma: Any = None
    change: Any = None


class SessionDeleted(BaseModel):
    id: str
    deleted: bool


class SessionDetail(BaseModel):
    session: SessionPublic
    trades: list[TradePublic]


class ProFormaReport(BaseModel):
    session: SessionPublic
    equity: float | None = Field(description="the book's equity on the as-of date, dollars")
    exposures: dict[str, Compared] = Field(
        description="long/short/gross/net exposure and market value (dollars), the same as "
                    "fractions of equity (`*_of_equity`), position counts")
    greeks: dict[str, Compared] = Field(description="book totals of position Greeks")
    factors: list[dict[str, Any]] = Field(
        description="per factor: `exposure` (fraction of equity) and `dollar_exposure`")
    var: dict[str, Compared] = Field(
        description="parametric VaR 95 %, 1 day: sigma and VaR in positive dollars, "
                    "fraction of V, securities used, positions excluded")
    var_components_tags: list[dict[str, Any]]
    positions: list[dict[str, Any]] = Field(
        description="positions with their status (new | resized | removed | unchanged), "
                    "quantity, Greeks and inputs (pro-forma book; removed: current), and "
                    "component VaR in both books")
    inputs: dict[str, Any] = Field(
        description="as-of date, rate, window; securities whose inputs were computed on "
                    "demand (origin stored_history | fetched)")
    conventions: dict[str, str] = PRO_FORMA_CONVENTIONS


class ScenarioReport(BaseModel):
    as_of: dt.date
    scenario: dict[str, Any] = Field(
        description="spot_shift_pct, vol_shift_pts, rate (annual decimal), valuation_date, "
                    "days_forward (calendar days after the as-of date)")
    book: dict[str, dict[str, Any]] = Field(
        description="`current` and `scenario`: book totals of position Greeks and dollar "
                    "delta, with n_missing_<greek> (NULL values left out)")
    options: list[dict[str, Any]] = Field(
        description="per option: terms, quantity, shifted inputs (spot, volatility, rate, "
                    "days_to_expiry), per-contract and position Greeks, greeks_source")
    grid: dict[str, Any] = Field(
        description="book_value (dollars), n_revalued, not_revalued (symbols held at their "
                    "mark), the shifts, and one cell per (spot, vol) shift: pnl_full, "
                    "pnl_delta_gamma, approximation_error, value_full, value_delta_gamma")
    conventions: dict[str, str]
