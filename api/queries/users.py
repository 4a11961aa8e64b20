"""Users and their portfolios (``app.users``, ``app.portfolios``)."""

from __future__ import annotations

from typing import Any

from ingest.occ import SymbolError, parse_symbol
from ingest.warehouse import Warehouse
from python_models.conventions import FACTORS

_USER_COLUMNS = """
    u.id, u.username, u.is_admin, u.password_hash,
    (select min(p.id) from app.portfolios p where p.user_id = u.id) as portfolio_id
"""


def user_by_username(warehouse: Warehouse, username: str) -> dict[str, Any] | None:
    """The user row (with ``password_hash`` and default ``portfolio_id``) or None."""
    with warehouse.connect() as conn:
        return conn.fetch_one(f"select {_USER_COLUMNS} from app.users u "
                              "where u.username = :username", {"username": username})


def user_by_id(warehouse: Warehouse, user_id: int) -> dict[str, Any] | None:
    """As :func:`user_by_username`, by id (every authenticated request: the portfolio
    subquery filters on the parameter, not on ``u.id``, so no correlated join is planned
    — half the cost on DuckDB)."""
    with warehouse.connect() as conn:
        return conn.fetch_one(
            "select u.id, u.username, u.is_admin, u.password_hash, (select min(p.id) "
            "from app.portfolios p where p.user_id = :id) as portfolio_id "
            "from app.users u where u.id = :id", {"id": user_id})


def owned_portfolio(warehouse: Warehouse, user_id: int, portfolio_id: int) -> bool:
    with warehouse.connect() as conn:
        row = conn.fetch_one("select 1 as ok from app.portfolios "
                             "where id = :portfolio_id and user_id = :user_id",
                             {"portfolio_id": portfolio_id, "user_id": user_id})
    return row is not None


def portfolio_name(warehouse: Warehouse, portfolio_id: int) -> str | None:
    with warehouse.connect() as conn:
        row = conn.fetch_one("select name from app.portfolios where id = :id",
                             {"id": portfolio_id})
    return None if row is None else row["name"]


def own_symbols(warehouse: Warehouse, user_id: int) -> set[str]:
    """The symbols a user may see prices and batch progress of: their positions' symbols,
    their options' underlyings and the factor ETFs (one query over their own book only)."""
    with warehouse.connect() as conn:
        rows = conn.fetch_dicts(
            "select distinct p.symbol from app.positions p inner join app.portfolios f "
            "on f.id = p.portfolio_id where f.user_id = :user_id", {"user_id": user_id})
    symbols = set(FACTORS)
    for row in rows:
        symbol = str(row["symbol"])
        symbols.add(symbol)
        try:
            occ = parse_symbol(symbol)[1]
        except SymbolError:
            continue
        if occ is not None:
            symbols.add(occ.root)
    return symbols
