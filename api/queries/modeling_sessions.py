"""What-if sessions: freeze a book and its market inputs; list, read, delete, expire.

Creating a session copies, in one transaction and set-based (``insert … select``):

- the positions of the book's latest risk run (``marts.fct_position_greeks`` on its as-of
  date) with their entry terms and their mark (``fct_position_values_daily.price`` that
  day; NULL when the position was not valued), and their tags;
- the terms and short interest (``raw.securities``) of every symbol held, every
  underlying and the factor ETFs, and their closes (``raw.prices_daily``) on the
  risk step's window (the last ``CLOSES_NEEDED`` sessions up to the as-of date);
- the book's equity and value on the as-of date (``fct_portfolio_snapshots``) and the
  risk-free rate the run used (``fct_position_greeks.rate``).

Every statement is scoped to the session's owner: another user's session does not
exist for the caller (the routes answer 404). A session idle for longer than
``settings.modeling_session_ttl_hours`` is deleted (with its rows) by the next request
that meets it; requests refresh ``last_used_at`` (at most once a minute, so reads do not
write).
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

from api.queries.common import in_list
from ingest.config import Settings
from ingest.warehouse import Connection, Warehouse
from python_models.conventions import FACTORS
from python_models.risk_step import CLOSES_NEEDED

CHILD_TABLES = ("modeling_trades", "modeling_session_closes", "modeling_session_securities",
                "modeling_session_position_tags", "modeling_session_positions")
TOUCH_EVERY = dt.timedelta(seconds=60)  # last_used_at is refreshed at most once a minute
SESSION_COLUMNS = ("id, user_id, portfolio_id, name, as_of_date, sessions, equity, "
                   "portfolio_value, risk_free_rate, inputs_version, created_at, last_used_at")


class SessionNotFound(LookupError):
    """No such live session of the user (or no such trade in it): the API answers 404."""


class NoRiskRun(LookupError):
    """The portfolio has no stored risk to freeze yet."""


def utc_now() -> dt.datetime:
    """Naive UTC timestamp (the warehouse's ``timestamp`` convention)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _delete(conn: Connection, where: str, params: dict[str, Any]) -> None:
    """Delete the sessions matching ``where`` (on app.modeling_sessions) and their rows."""
    for table in CHILD_TABLES:
        conn.execute(f"delete from app.{table} where session_id in "
                     f"(select id from app.modeling_sessions where {where})", params)
    conn.execute(f"delete from app.modeling_sessions where {where}", params)


def purge_expired(conn: Connection, settings: Settings, now: dt.datetime) -> None:
    """Delete every session idle for longer than the TTL (all users, set-based)."""
    cutoff = now - dt.timedelta(hours=settings.modeling_session_ttl_hours)
    _delete(conn, "last_used_at < :cutoff", {"cutoff": cutoff})


def public(row: dict[str, Any], settings: Settings, **extra: Any) -> dict[str, Any]:
    """The API view of a session row."""
    ttl = dt.timedelta(hours=settings.modeling_session_ttl_hours)
    return {"id": row["id"], "name": row["name"], "portfolio_id": int(row["portfolio_id"]),
            "as_of": row["as_of_date"], "created_at": row["created_at"],
            "last_used_at": row["last_used_at"], "expires_at": row["last_used_at"] + ttl,
            "ttl_hours": settings.modeling_session_ttl_hours, **extra}


def _freeze(conn: Connection, session_id: str, portfolio_id: int, as_of: dt.date,
            now: dt.datetime) -> list[dt.date]:
    """Copy positions, securities and closes into the session tables; the window's days."""
    params = {"s": session_id, "p": portfolio_id, "d": as_of, "now": now}
    conn.execute(
        "insert into app.modeling_session_positions (session_id, position_id, symbol, "
        "quantity, entry_price, entry_date, price) "
        "select cast(:s as varchar), g.position_id, g.symbol, g.quantity, d.entry_price, "
        "d.entry_date, v.price "
        "from marts.fct_position_greeks g "
        "join marts.dim_positions d on d.position_id = g.position_id "
        "left join marts.fct_position_values_daily v on v.position_id = g.position_id "
        "and v.valuation_date = g.as_of_date "
        "where g.portfolio_id = :p and g.as_of_date = :d", params)
    conn.execute(
        "insert into app.modeling_session_position_tags (session_id, position_id, tag_id, "
        "tag_name) select cast(:s as varchar), pt.position_id, t.id, t.name "
        "from app.position_tags pt "
        "join app.tags t on t.id = pt.tag_id join app.modeling_session_positions sp "
        "on sp.position_id = pt.position_id and sp.session_id = :s", {"s": session_id})
    factors, factor_params = in_list("f", list(FACTORS))
    conn.execute(
        "insert into app.modeling_session_securities (session_id, symbol, asset_type, "
        "underlying_symbol, option_type, strike, expiry_date, short_interest, origin, "
        "added_at) select cast(:s as varchar), symbol, asset_type, underlying_symbol, "
        "option_type, strike, expiry_date, short_interest, 'batch', cast(:now as timestamp) "
        "from raw.securities where symbol in "
        "(select symbol from app.modeling_session_positions where session_id = :s "
        " union select r.underlying_symbol from raw.securities r join "
        " app.modeling_session_positions sp on sp.symbol = r.symbol and sp.session_id = :s "
        f" union select symbol from raw.securities where symbol in {factors})",
        {**params, **factor_params})
    days = [row["session_date"] for row in conn.fetch_dicts(
        "select session_date from raw.trading_days where session_date <= :d "
        "order by session_date desc limit :n", {"d": as_of, "n": CLOSES_NEEDED})][::-1]
    conn.execute(
        "insert into app.modeling_session_closes (session_id, symbol, price_date, close) "
        "select cast(:s as varchar), p.symbol, p.price_date, p.close from raw.prices_daily p "
        "join app.modeling_session_securities ss on ss.symbol = p.symbol "
        "and ss.session_id = :s where p.price_date >= :start and p.price_date <= :d",
        {"s": session_id, "start": days[0] if days else as_of, "d": as_of})
    return [dt.date.fromisoformat(str(day)[:10]) for day in days]


def create_session(warehouse: Warehouse, settings: Settings, user_id: int, portfolio_id: int,
                   name: str | None) -> dict[str, Any]:
    """Freeze the portfolio's book and market inputs into a new session of ``user_id``.

    Raises
    ------
    NoRiskRun
        When the portfolio has no stored risk run yet.
    """
    now = utc_now()
    session_id = uuid.uuid4().hex
    with warehouse.connect() as conn:
        purge_expired(conn, settings, now)
        run = conn.fetch_one(
            "select as_of_date, max(rate) as rate from marts.fct_position_greeks "
            "where portfolio_id = :p and as_of_date = (select max(as_of_date) from "
            "marts.fct_position_greeks where portfolio_id = :p) group by as_of_date",
            {"p": portfolio_id})
        if run is None:
            raise NoRiskRun(f"portfolio {portfolio_id} has no risk run yet: its backfill "
                            "may still be running")
        as_of = run["as_of_date"]
        snapshot = conn.fetch_one(
            "select equity, portfolio_value from marts.fct_portfolio_snapshots "
            "where portfolio_id = :p and snapshot_date = :d", {"p": portfolio_id, "d": as_of})
        days = _freeze(conn, session_id, portfolio_id, as_of, now)
        rate = settings.risk_free_rate if run["rate"] is None else float(run["rate"])
        conn.execute(
            f"insert into app.modeling_sessions ({SESSION_COLUMNS}) values (:id, :u, :p, "
            ":name, :d, :sessions, :equity, :value, :rate, 0, :now, :now)",
            {"id": session_id, "u": user_id, "p": portfolio_id,
             "name": name or f"what-if {now:%Y-%m-%d %H:%M}", "d": as_of,
             "sessions": json.dumps([day.isoformat() for day in days]),
             "equity": None if snapshot is None else snapshot["equity"],
             "value": None if snapshot is None else snapshot["portfolio_value"],
             "rate": rate, "now": now})
        row = read_session(conn, settings, user_id, session_id, touch=False)
        count = conn.fetch_one("select count(*) as n from app.modeling_session_positions "
                               "where session_id = :s", {"s": session_id})
    if row is None or count is None:  # written above in this transaction
        raise SessionNotFound(session_id)
    return public(row, settings, n_positions=int(count["n"]), n_trades=0)


def read_session(conn: Connection, settings: Settings, user_id: int, session_id: str,
                 touch: bool = True) -> dict[str, Any] | None:
    """The user's live session row (refreshing ``last_used_at``), or None.

    An expired session is deleted here and reads as None.
    """
    row = conn.fetch_one(f"select {SESSION_COLUMNS} from app.modeling_sessions "
                         "where id = :id and user_id = :u", {"id": session_id, "u": user_id})
    if row is None:
        return None
    now = utc_now()
    if now - row["last_used_at"] > dt.timedelta(hours=settings.modeling_session_ttl_hours):
        _delete(conn, "id = :id", {"id": session_id})
        return None
    if touch and now - row["last_used_at"] > TOUCH_EVERY:
        conn.execute("update app.modeling_sessions set last_used_at = :now where id = :id",
                     {"now": now, "id": session_id})
        row["last_used_at"] = now
    return row


def list_sessions(warehouse: Warehouse, settings: Settings, user_id: int) -> list[dict]:
    """The user's live sessions, newest first, with their position and trade counts."""
    with warehouse.connect() as conn:
        purge_expired(conn, settings, utc_now())
        rows = conn.fetch_dicts(
            f"select {SESSION_COLUMNS}, "
            "(select count(*) from app.modeling_session_positions p where p.session_id = s.id)"
            " as n_positions, "
            "(select count(*) from app.modeling_trades t where t.session_id = s.id) as n_trades"
            " from app.modeling_sessions s where user_id = :u order by created_at desc, id",
            {"u": user_id})
    return [public(row, settings, n_positions=int(row["n_positions"]),
                   n_trades=int(row["n_trades"])) for row in rows]


def delete_session(warehouse: Warehouse, user_id: int, session_id: str) -> bool:
    """Delete the user's session and its rows; False when it is not theirs or gone."""
    with warehouse.connect() as conn:
        row = conn.fetch_one("select id from app.modeling_sessions where id = :id "
                             "and user_id = :u", {"id": session_id, "u": user_id})
        if row is None:
            return False
        _delete(conn, "id = :id", {"id": session_id})
    return True
