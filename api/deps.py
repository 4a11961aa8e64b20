"""Typed dependencies of the routes.

- ``SettingsDep`` — the settings given to ``create_app`` (``app.state.settings``; tests
  pass theirs), else :func:`ingest.config.get_settings`. Not a dependency override:
  with any override FastAPI re-analyses every dependency's signature on every request.
- ``WarehouseDep`` — the process-wide :class:`~ingest.warehouse.Warehouse` of those
  settings.
- ``CurrentUser`` — the :class:`User` of the bearer token (401 otherwise).
- ``AdminUser`` — the same, and an admin (403 otherwise).
- ``PortfolioId`` — the portfolio a request reads: the optional ``portfolio_id``
  query parameter, checked to belong to the user (404 otherwise, never their data), or
  by default the user's own portfolio (404 when they have none yet).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Query, Request
from fastapi.requests import HTTPConnection
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.cache import STATE_KEY
from api.errors import ApiError, not_found, unauthorized
from api.queries import users
from api.security import TokenError, decode_access_token
from ingest.config import Settings, get_settings
from ingest.warehouse import ID_MAX, Warehouse, get_warehouse

__all__ = ["AdminUser", "CurrentUser", "PortfolioId", "SettingsDep", "User", "WarehouseDep",
           "get_settings"]



async def app_settings(connection: HTTPConnection) -> Settings:
    """The app's settings (``app.state.settings``), else :func:`get_settings`.

    ``async`` (it never blocks): FastAPI runs a plain ``def`` dependency on the thread
    pool, a hand-off per request that costs CPU and, on a busy machine, a wait."""
    settings = getattr(connection.app.state, "settings", None)
    return settings if settings is not None else get_settings()


SettingsDep = Annotated[Settings, Depends(app_settings)]


async def warehouse_dependency(settings: SettingsDep) -> Warehouse:
    """The process-wide warehouse (a dict look-up: ``async`` like :func:`app_settings`)."""
    return get_warehouse(settings)


WarehouseDep = Annotated[Warehouse, Depends(warehouse_dependency)]

bearer_scheme = HTTPBearer(
    auto_error=False, scheme_name="bearerAuth",
    description="The `token` of `POST /api/v1/auth/login` (HS256 JWT, 24 h).",
)


@dataclass(frozen=True)
class User:
    """The authenticated user."""

    id: int
    username: str
    is_admin: bool
    portfolio_id: int | None  # the user's (first) portfolio, None before any upload


def current_user(
    request: Request, settings: SettingsDep, warehouse: WarehouseDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> User:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise unauthorized("not authenticated: send 'Authorization: Bearer <token>' "
                           "(POST /api/v1/auth/login)")
    try:
        user_id = decode_access_token(credentials.credentials, settings)
    except TokenError as error:
        raise unauthorized(str(error)) from error
    # the response cache (api/cache.py) read this user, with the data versions, already
    prefetched = request.scope.get("state", {}).get(STATE_KEY)
    if prefetched is not None and prefetched[0] == user_id:
        row = prefetched[1].user
    else:
        row = users.user_by_id(warehouse, user_id)
    if row is None:
        raise unauthorized("the token's user no longer exists")
    return User(int(row["id"]), row["username"], bool(row["is_admin"]),
                None if row["portfolio_id"] is None else int(row["portfolio_id"]))


CurrentUser = Annotated[User, Depends(current_user)]


def admin_user(user: CurrentUser) -> User:
    if not user.is_admin:
        raise ApiError(403, "admin only")
    return user


AdminUser = Annotated[User, Depends(admin_user)]


def portfolio_id_dependency(
    user: CurrentUser, warehouse: WarehouseDep,
    portfolio_id: Annotated[int | None, Query(
        description="one of your portfolios; default: your portfolio", ge=1, le=ID_MAX)] = None,
) -> int:
    if portfolio_id is None:
        if user.portfolio_id is None:
            raise not_found("you have no portfolio yet: upload a CSV "
                            "(POST /api/v1/portfolio/upload)")
        return user.portfolio_id
    if portfolio_id != user.portfolio_id and not users.owned_portfolio(
            warehouse, user.id, portfolio_id):
        raise not_found(f"portfolio {portfolio_id} not found")
    return portfolio_id


PortfolioId = Annotated[int, Depends(portfolio_id_dependency)]
