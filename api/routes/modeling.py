"""What-if sessions: /modeling/sessions, their trades, pro-forma risk, scenarios, exports.

A session is a frozen copy of one of your books and of its market inputs; trades are
hypothetical. Sessions are yours alone: another user's session, its trades and its
exports answer 404. A session idle for ``ttl_hours`` is deleted.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Path, Query, Response

from api.deps import CurrentUser, SettingsDep, WarehouseDep
from api.errors import ApiError, not_found
from api.pagination import Limit, Offset, page
from api.queries import greeks_scenario, modeling_export, modeling_risk, modeling_sessions, users
from api.queries import modeling_trades as trades_queries
from api.queries.modeling_sessions import SessionNotFound
from api.routes.scenarios import ScenarioQuery, check_valuation_date
from api.schemas.common import Envelope, ok, recorded_examples, responses
from api.schemas.exports import FIX_EXAMPLE, CsvAttachment, file_responses
from api.schemas.modeling import (
    ProFormaReport,
    ScenarioReport,
    SessionCreate,
    SessionDeleted,
    SessionDetail,
    SessionPublic,
    TradePublic,
    TradesCreate,
)
from ingest.csv_problems import problem_dicts
from ingest.trades import TradeValidationError

EXAMPLES = recorded_examples("whatif")  # recorded from the demo book
router = APIRouter(prefix="/modeling/sessions", tags=["modeling"])
TRADES_CSV_EXAMPLE = ("trade_id,symbol,position_id,quantity,price,price_source,created_at,"
                      "updated_at\r\n7,NVDA,,100,481.2,last_close,2026-11-21T14:03:11,"
                      "2026-11-21T14:03:11\r\n")

SessionIdPath = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$",
                                    description="a session of yours (32 hex characters)")]
TradeIdPath = Annotated[int, Path(ge=1, le=2**62, description="a trade of the session")]


def _gone(session_id: str) -> ApiError:
    return not_found(f"modeling session {session_id} not found (or expired)")


def _invalid(error: TradeValidationError) -> ApiError:
    return ApiError(422, str(error), code="invalid_trades", details=problem_dicts(error.problems))


@router.post("", status_code=201, response_model=Envelope[SessionPublic],
             summary="Freeze your book and its market inputs into a new session",
             responses=responses(EXAMPLES["session_created"], 404, 409, status=201))
def create_session(user: CurrentUser, warehouse: WarehouseDep, settings: SettingsDep,
                   body: Annotated[SessionCreate | None, Body()] = None) -> dict:
    body = body or SessionCreate()
    portfolio_id = body.portfolio_id or user.portfolio_id
    if portfolio_id is None:
        raise not_found("you have no portfolio yet: upload a CSV (POST /api/v1/portfolio/upload)")
    if portfolio_id != user.portfolio_id and not users.owned_portfolio(
            warehouse, user.id, portfolio_id):
        raise not_found(f"portfolio {portfolio_id} not found")
    try:
        session = modeling_sessions.create_session(warehouse, settings, user.id, portfolio_id,
                                                   body.name)
    except modeling_sessions.NoRiskRun as error:
        raise ApiError(409, str(error), code="no_risk_run") from error
    return ok(session)


@router.get("", response_model=Envelope[list[SessionPublic]], summary="Your live sessions",
            responses=responses(EXAMPLES["sessions"]))
def list_sessions(user: CurrentUser, warehouse: WarehouseDep, settings: SettingsDep,
                  response: Response, limit: Limit = 100, offset: Offset = 0) -> dict:
    """Newest first, one page (`X-Total-Count`: how many there are)."""
    return ok(page(modeling_sessions.list_sessions(warehouse, settings, user.id), limit,
                   offset, response))


@router.get("/{session_id}", response_model=Envelope[SessionDetail],
            summary="A session and its trades",
            responses=responses(EXAMPLES["session_detail"], 404))
def get_session(session_id: SessionIdPath, user: CurrentUser, warehouse: WarehouseDep,
                settings: SettingsDep) -> dict:
    found = modeling_export.session_with_trades(warehouse, settings, user.id, session_id)
    if found is None:
        raise _gone(session_id)
    return ok(found)


@router.delete("/{session_id}", response_model=Envelope[SessionDeleted],
               summary="Delete a session and its trades",
               responses=responses({"id": "9f1c2a3b" * 4, "deleted": True}, 404))
def delete_session(session_id: SessionIdPath, user: CurrentUser,
                   warehouse: WarehouseDep) -> dict:
    if not modeling_sessions.delete_session(warehouse, user.id, session_id):
        raise _gone(session_id)
    return ok({"id": session_id, "deleted": True})


@router.post("/{session_id}/trades", status_code=201,
             response_model=Envelope[list[TradePublic]],
             summary="Add hypothetical trades (all or none)",
             responses=responses(EXAMPLES["trades_added"], 404, status=201))
def add_trades(session_id: SessionIdPath, body: TradesCreate, user: CurrentUser,
               warehouse: WarehouseDep, settings: SettingsDep) -> dict:
    """Every trade is checked first; any problem answers 422 with each one by row (the
    trade's place, from 1) and column, and nothing is stored. A symbol the session does not
    know is added from stored history or loaded through the market-data provider; one
    that cannot be priced is refused (never valued at zero). Returns the whole trade list."""
    try:
        return ok(trades_queries.add_trades(warehouse, settings, user.id, session_id,
                                            body.trades))
    except TradeValidationError as error:
        raise _invalid(error) from error
    except SessionNotFound as error:
        raise _gone(session_id) from error


@router.put("/{session_id}/trades/{trade_id}", response_model=Envelope[list[TradePublic]],
            summary="Change a trade's quantity or price",
            responses=responses(EXAMPLES["trade_updated"], 404))
def update_trade(session_id: SessionIdPath, trade_id: TradeIdPath,
                 body: Annotated[dict[str, Any], Body(examples=[{"quantity": 50}])],
                 user: CurrentUser, warehouse: WarehouseDep, settings: SettingsDep) -> dict:
    """Give `quantity` and/or `price` (`price: null` = the last close)."""
    try:
        return ok(trades_queries.update_trade(warehouse, settings, user.id, session_id,
                                              trade_id, body))
    except TradeValidationError as error:
        raise _invalid(error) from error
    except SessionNotFound as error:
        raise not_found(f"trade {trade_id} not found in session {session_id}") from error


@router.delete("/{session_id}/trades/{trade_id}", response_model=Envelope[list[TradePublic]],
               summary="Remove a trade",
               responses=responses(EXAMPLES["trade_deleted"], 404))
def delete_trade(session_id: SessionIdPath, trade_id: TradeIdPath, user: CurrentUser,
                 warehouse: WarehouseDep, settings: SettingsDep) -> dict:
    try:
        return ok(trades_queries.delete_trade(warehouse, settings, user.id, session_id,
                                              trade_id))
    except SessionNotFound as error:
        raise not_found(f"trade {trade_id} not found in session {session_id}") from error


@router.get("/{session_id}/risk", response_model=Envelope[ProFormaReport],
            summary="Pro-forma risk and its change versus the current book",
            responses=responses(EXAMPLES["session_risk"], 404))
def get_risk(session_id: SessionIdPath, user: CurrentUser, warehouse: WarehouseDep,
             settings: SettingsDep,
             positions: Annotated[modeling_risk.PositionsView, Query(
                 description="positions listed: changed (new, resized, removed), all, none")
             ] = "changed") -> dict:
    try:
        return ok(modeling_risk.session_risk(warehouse, settings, user.id, session_id,
                                             positions))
    except SessionNotFound as error:
        raise _gone(session_id) from error


@router.get("/{session_id}/risk/greeks/scenario", response_model=Envelope[ScenarioReport],
            summary="Greeks and P&L grid of the pro-forma book under a scenario",
            responses=responses(EXAMPLES["session_scenario"], 404))
def get_scenario(session_id: SessionIdPath, user: CurrentUser, warehouse: WarehouseDep,
                 settings: SettingsDep, request: ScenarioQuery) -> dict:
    """As `GET /risk/greeks/scenario`, on the session's pro-forma book and frozen inputs."""
    try:
        book, as_of = greeks_scenario.session_inputs(warehouse, settings, user.id, session_id)
    except SessionNotFound as error:
        raise _gone(session_id) from error
    check_valuation_date(request, as_of)
    rate = float(book["rate"].iloc[0]) if len(book) else settings.risk_free_rate
    return ok(greeks_scenario.scenario_report(book, as_of, request, rate))


@router.get("/{session_id}/export", summary="The session's trades as CSV or FIX 4.4",
            response_class=CsvAttachment, responses=file_responses(
                "format=csv: the trade list; format=fix: FIX 4.4 messages",
                text_csv=TRADES_CSV_EXAMPLE, application_octet_stream=FIX_EXAMPLE))
def export_trades(session_id: SessionIdPath, user: CurrentUser, warehouse: WarehouseDep,
                  settings: SettingsDep,
                  format: Annotated[Literal["csv", "fix"], Query(  # noqa: A002
                      description="csv: the trade list; fix: FIX 4.4 orders")] = "csv",
                  message: Annotated[Literal["single", "list"], Query(
                      description="fix: one NewOrderSingle (35=D) per order, or one "
                                  "NewOrderList (35=E)")] = "single",
                  order_type: Annotated[Literal["market", "limit"], Query(
                      description="fix: market orders, or limit orders at the trade "
                                  "prices")] = "market") -> Response:
    """CSV: one row per trade (RFC 4180, formulas neutralised). FIX: the orders that take
    each position from its current to its pro-forma quantity (a sale through zero is a
    sale plus a short sale; options open / close), SenderCompID / TargetCompID from the
    settings, one message after another."""
    now = dt.datetime.now(dt.UTC)
    try:
        if format == "csv":
            return modeling_export.trades_csv(warehouse, settings, user.id, session_id)
        return modeling_export.trades_fix(warehouse, settings, user.id, session_id,
                                          message, order_type, now)
    except SessionNotFound as error:
        raise _gone(session_id) from error
