"""Tag CRUD and position tags over ``app.tags`` / ``app.position_tags``.

Every statement is scoped to the requesting user: another user's tag or position is
indistinguishable from one that does not exist (the routes answer 404). Every write
bumps the user's data version in its own transaction (:mod:`ingest.warehouse.data_version`), so
cached reads of that user are invalidated exactly when the write commits.
"""

from __future__ import annotations

from typing import Any

from api.queries.common import in_list
from ingest.warehouse import Connection, UniqueViolationError, Warehouse
from ingest.warehouse.data_version import bump_user, write_lock

_TAG_SELECT = """
    select t.id, t.name, t.color,
           (select count(*) from app.position_tags pt join app.positions p
              on p.id = pt.position_id join app.portfolios f on f.id = p.portfolio_id
            where pt.tag_id = t.id and f.user_id = t.user_id) as position_count
    from app.tags t
"""


class TagNameTaken(ValueError):
    """The user already has a tag with that name."""


def _public(row: dict[str, Any]) -> dict[str, Any]:
    return {"id": int(row["id"]), "name": row["name"], "color": row["color"],
            "position_count": int(row["position_count"] or 0)}


def list_tags(warehouse: Warehouse, user_id: int) -> list[dict[str, Any]]:
    with warehouse.connect() as conn:
        rows = conn.fetch_dicts(f"{_TAG_SELECT} where t.user_id = :user_id order by t.name",
                                {"user_id": user_id})
    return [_public(row) for row in rows]


def _get(conn: Connection, user_id: int, tag_id: int) -> dict[str, Any] | None:
    row = conn.fetch_one(f"{_TAG_SELECT} where t.user_id = :user_id and t.id = :tag_id",
                         {"user_id": user_id, "tag_id": tag_id})
    return None if row is None else _public(row)


def _name_taken(conn: Connection, user_id: int, name: str, except_id: int | None) -> bool:
    row = conn.fetch_one(
        "select id from app.tags where user_id = :user_id and lower(name) = lower(:name)",
        {"user_id": user_id, "name": name})
    return row is not None and int(row["id"]) != except_id


def create_tag(warehouse: Warehouse, user_id: int, name: str, color: str) -> dict[str, Any]:
    """Insert a tag; raises :class:`TagNameTaken` on a duplicate name."""
    try:
        with write_lock(user_id), warehouse.connect() as conn:
            if _name_taken(conn, user_id, name, None):
                raise TagNameTaken(name)
            row = conn.fetch_one("insert into app.tags (user_id, name, color) "
                                 "values (:user_id, :name, :color) returning id",
                                 {"user_id": user_id, "name": name, "color": color})
            assert row is not None
            tag = _get(conn, user_id, int(row["id"]))
            bump_user(conn, user_id)
    except UniqueViolationError as error:  # a concurrent insert of the same name
        raise TagNameTaken(name) from error
    assert tag is not None
    return tag


def update_tag(warehouse: Warehouse, user_id: int, tag_id: int, name: str | None,
               color: str | None) -> dict[str, Any] | None:
    """Rename and/or recolour; None when the user has no such tag."""
    try:
        with write_lock(user_id), warehouse.connect() as conn:
            current = _get(conn, user_id, tag_id)
            if current is None:
                return None
            if name is not None and name != current["name"]:
                if _name_taken(conn, user_id, name, tag_id):
                    raise TagNameTaken(name)
                conn.execute("update app.tags set name = :name where id = :tag_id",
                             {"name": name, "tag_id": tag_id})
            if color is not None and color != current["color"]:
                conn.execute("update app.tags set color = :color where id = :tag_id",
                             {"color": color, "tag_id": tag_id})
            bump_user(conn, user_id)
            return _get(conn, user_id, tag_id)
    except UniqueViolationError as error:
        raise TagNameTaken(name or "") from error


def delete_tag(warehouse: Warehouse, user_id: int, tag_id: int) -> bool:
    """Delete the tag and its position links; False when the user has no such tag."""
    with write_lock(user_id), warehouse.connect() as conn:
        if _get(conn, user_id, tag_id) is None:
            return False
        conn.execute("delete from app.position_tags where tag_id = :tag_id", {"tag_id": tag_id})
        conn.execute("delete from app.tags where id = :tag_id and user_id = :user_id",
                     {"tag_id": tag_id, "user_id": user_id})
        bump_user(conn, user_id)
    return True


def _owns_position(conn: Connection, user_id: int, position_id: int) -> bool:
    return conn.fetch_one(
        "select 1 as ok from app.positions p join app.portfolios f on f.id = p.portfolio_id "
        "where p.id = :position_id and f.user_id = :user_id",
        {"position_id": position_id, "user_id": user_id}) is not None


def _position_tags(conn: Connection, user_id: int, position_id: int) -> list[dict[str, Any]]:
    rows = conn.fetch_dicts(
        "select t.id, t.name, t.color from app.position_tags pt "
        "join app.tags t on t.id = pt.tag_id "
        "where pt.position_id = :position_id and t.user_id = :user_id order by t.name",
        {"position_id": position_id, "user_id": user_id})
    return [{"id": int(r["id"]), "name": r["name"], "color": r["color"]} for r in rows]


def get_position_tags(warehouse: Warehouse, user_id: int,
                      position_id: int) -> list[dict[str, Any]] | None:
    """The position's tags; None when the user has no such position."""
    with warehouse.connect() as conn:
        if not _owns_position(conn, user_id, position_id):
            return None
        return _position_tags(conn, user_id, position_id)


class UnknownTags(ValueError):
    def __init__(self, tag_ids: list[int]):
        super().__init__(f"unknown tag ids: {tag_ids}")
        self.tag_ids = tag_ids


def set_position_tags(warehouse: Warehouse, user_id: int, position_id: int,
                      tag_ids: list[int]) -> list[dict[str, Any]] | None:
    """Replace the position's tag set; None when the user has no such position.

    Raises :class:`UnknownTags` when an id is not one of the user's tags.
    """
    wanted = sorted(set(tag_ids))
    with write_lock(user_id), warehouse.connect() as conn:
        if not _owns_position(conn, user_id, position_id):
            return None
        if wanted:
            sql, params = in_list("tag", wanted)
            mine = {int(r[0]) for r in conn.fetchall(
                f"select id from app.tags where user_id = :user_id and id in {sql}",
                {**params, "user_id": user_id})}
            unknown = [tag_id for tag_id in wanted if tag_id not in mine]
            if unknown:
                raise UnknownTags(unknown)
        # Delete only what goes and insert only what is new (DuckDB refuses to re-insert
        # a primary key deleted earlier in the same transaction).
        current = {int(r[0]) for r in conn.fetchall(
            "select tag_id from app.position_tags where position_id = :position_id",
            {"position_id": position_id})}
        for tag_id in sorted(current - set(wanted)):
            conn.execute("delete from app.position_tags "
                         "where position_id = :position_id and tag_id = :tag_id",
                         {"position_id": position_id, "tag_id": tag_id})
        for tag_id in sorted(set(wanted) - current):
            conn.execute("insert into app.position_tags (position_id, tag_id) "
                         "values (:position_id, :tag_id)",
                         {"position_id": position_id, "tag_id": tag_id})
        bump_user(conn, user_id)
        return _position_tags(conn, user_id, position_id)
