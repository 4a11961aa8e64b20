"""Demo users (design §6): demo_user_1 / demo123, demo_user_2 / demo123, demo_admin / admin123.

:func:`seed_demo_users` is idempotent: existing users are kept as they are (their
password is not reset), missing ones are created with a bcrypt hash, and each of
the two demo users gets one (empty) portfolio named like the upload path's default,
so that their CSV upload fills that portfolio. Production seeds none of them: it creates
one admin from the settings with :func:`seed_admin` (``make serve``, :mod:`api.serve`).
"""

from __future__ import annotations

from api.security import hash_password
from ingest.upload import DEFAULT_PORTFOLIO_NAME
from ingest.warehouse import Warehouse

DEMO_USERS: tuple[tuple[str, str, bool], ...] = (
    ("demo_user_1", "demo123", False),
    ("demo_user_2", "demo123", False),
    ("demo_admin", "admin123", True),
)


def seed_demo_users(warehouse: Warehouse, *, rounds: int | None = None) -> dict[str, int]:
    """Create the demo users and their portfolios when missing; returns {username: id}.

    ``rounds`` (bcrypt cost) defaults to the production cost; tests may lower it.
    """
    ids: dict[str, int] = {}
    with warehouse.connect() as conn:
        for username, password, is_admin in DEMO_USERS:
            row = conn.fetch_one("select id from app.users where username = :username",
                                 {"username": username})
            if row is None:
                hashed = (hash_password(password) if rounds is None
                          else hash_password(password, rounds=rounds))
                row = conn.fetch_one(
                    "insert into app.users (username, password_hash, is_admin) "
                    "values (:username, :password_hash, :is_admin) returning id",
                    {"username": username, "password_hash": hashed, "is_admin": is_admin})
            assert row is not None
            user_id = ids[username] = int(row["id"])
            if is_admin:
                continue
            has_portfolio = conn.fetch_one(
                "select id from app.portfolios where user_id = :user_id limit 1",
                {"user_id": user_id})
            if has_portfolio is None:
                conn.execute("insert into app.portfolios (user_id, name) values (:user_id, :name)",
                             {"user_id": user_id, "name": DEFAULT_PORTFOLIO_NAME})
    return ids


def seed_admin(warehouse: Warehouse, username: str, password: str) -> int:
    """Create the admin ``username`` when missing (an existing user is left as it is)."""
    with warehouse.connect() as conn:
        row = conn.fetch_one("select id from app.users where username = :username",
                             {"username": username})
        if row is None:
            row = conn.fetch_one(
                "insert into app.users (username, password_hash, is_admin) "
                "values (:username, :password_hash, true) returning id",
                {"username": username, "password_hash": hash_password(password)})
    assert row is not None
    return int(row["id"])
