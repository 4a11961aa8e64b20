"""POST /auth/login — bcrypt check, HS256 token, failed-login limits per user and address."""

from __future__ import annotations

import math

from fastapi import APIRouter, Request

from api.deps import SettingsDep, WarehouseDep
from api.errors import ApiError, unauthorized
from api.queries import users
from api.schemas.auth import LoginRequest, LoginResponse
from api.schemas.common import error_responses
from api.security import (
    LoginRateLimiter,
    burn_password_check,
    create_access_token,
    verify_password,
)

router = APIRouter(prefix="/auth", tags=["auth"])

INVALID_CREDENTIALS = "invalid username or password"


def _limiter(request: Request) -> LoginRateLimiter:
    return request.app.state.login_limiter


@router.post(
    "/login", response_model=LoginResponse,
    summary="Log in: a 24 h HS256 token (answered bare, not enveloped)",
    responses={**error_responses(401, 422, 429), 200: {"content": {"application/json": {
        "example": {"token": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxIn0.sig",
                    "expires_in": 86400, "portfolio_id": 1}}}}},
)
def login(body: LoginRequest, request: Request, settings: SettingsDep,
          warehouse: WarehouseDep) -> LoginResponse:
    """Exchange username and password for a token.

    At most 10 failed attempts per username (from any address) and 20 per client
    address (any usernames) in any 60 s: beyond that every attempt is refused with 429
    (even with the right password) until the oldest failure is a minute old;
    `Retry-After` says when.
    """
    limiter = _limiter(request)
    address = request.client.host if request.client else "unknown"
    wait = limiter.attempt(body.username, address)  # before any read or bcrypt
    if wait is not None:
        seconds = max(math.ceil(wait), 1)
        raise ApiError(429, f"too many failed login attempts; retry in {seconds} s",
                       details={"retry_after_seconds": seconds},
                       headers={"Retry-After": str(seconds)})
    user = users.user_by_username(warehouse, body.username)
    if user is None:
        burn_password_check(body.password)
        raise unauthorized(INVALID_CREDENTIALS)
    if not verify_password(body.password, user["password_hash"]):
        raise unauthorized(INVALID_CREDENTIALS)
    limiter.succeeded(body.username, address)
    issued = create_access_token(int(user["id"]), settings)
    portfolio_id = None if user["portfolio_id"] is None else int(user["portfolio_id"])
    return LoginResponse(token=issued.token, expires_in=issued.expires_in,
                         portfolio_id=portfolio_id)
