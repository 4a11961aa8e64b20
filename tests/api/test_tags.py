"""Tag CRUD and position tags; nobody reads or changes another user's tags."""

from __future__ import annotations

from ingest.upload import upload_positions_csv
from tests.api.conftest import AS_OF, DEMO_DATA, error_of, ok_data

TAGS = "/api/v1/tags"


def _books(env) -> dict[str, list[int]]:
    """Write both demo books (no marts needed); {username: position ids}."""
    ids = {}
    for username in ("demo_user_1", "demo_user_2"):
        result = upload_positions_csv(env.warehouse, user_id=env.users[username],
                                      data=(DEMO_DATA / f"{username}.csv").read_bytes(),
                                      today=AS_OF)
        ids[username] = result.position_ids
    return ids


def test_tag_crud(fresh_env):
    env, h = fresh_env, fresh_env.headers("demo_user_1")
    assert ok_data(env.client.get(TAGS, headers=h)) == []
    created = ok_data(env.client.post(TAGS, headers=h, json={"name": " Growth ",
                                                              "color": "#1f77b4"}), 201)
    assert created == {"id": created["id"], "name": "growth", "color": "#1F77B4",
                       "position_count": 0}
    default = ok_data(env.client.post(TAGS, headers=h, json={"name": "hedges"}), 201)
    assert default["color"] == "#6B7280"
    listed = ok_data(env.client.get(TAGS, headers=h))
    assert [t["name"] for t in listed] == ["growth", "hedges"]
    renamed = ok_data(env.client.put(f"{TAGS}/{created['id']}", headers=h,
                                     json={"name": "value"}))
    assert (renamed["name"], renamed["color"]) == ("value", "#1F77B4")
    recoloured = ok_data(env.client.put(f"{TAGS}/{created['id']}", headers=h,
                                        json={"color": "#00ff00"}))
    assert (recoloured["name"], recoloured["color"]) == ("value", "#00FF00")
    assert ok_data(env.client.delete(f"{TAGS}/{created['id']}", headers=h)) == {
        "id": created["id"], "deleted": True}
    error_of(env.client.delete(f"{TAGS}/{created['id']}", headers=h), 404, "not_found")
    assert [t["name"] for t in ok_data(env.client.get(TAGS, headers=h))] == ["hedges"]
    stored = env.rows("select name, color from app.tags where user_id = :u",
                      {"u": env.users["demo_user_1"]})
    assert stored == [{"name": "hedges", "color": "#6B7280"}]


def test_duplicate_names_conflict(fresh_env):
    env, h = fresh_env, fresh_env.headers("demo_user_1")
    first = ok_data(env.client.post(TAGS, headers=h, json={"name": "tech"}), 201)
    error_of(env.client.post(TAGS, headers=h, json={"name": "TECH"}), 409, "conflict")
    other = ok_data(env.client.post(TAGS, headers=h, json={"name": "energy"}), 201)
    error_of(env.client.put(f"{TAGS}/{other['id']}", headers=h, json={"name": "Tech"}), 409)
    # the same name for another user is fine
    ok_data(env.client.post(TAGS, headers=env.headers("demo_user_2"), json={"name": "tech"}),
            201)
    # renaming a tag to its own name is not a conflict
    ok_data(env.client.put(f"{TAGS}/{first['id']}", headers=h, json={"name": "tech"}))


INVALID_BODIES = [
    {"name": "x", "color": "red"}, {"name": "x", "color": "#12345"},
    {"name": "x", "color": "#GGGGGG"}, {"name": "x", "color": "#1234567"},
    {"name": ""}, {"name": "   "}, {"name": "=cmd"}, {"name": "a" * 51}, {"name": "semi;colon"},
    {"color": "#123456"}, {},
]


def test_invalid_tags_are_422(fresh_env):
    for body in INVALID_BODIES:
        error = error_of(fresh_env.client.post(TAGS, headers=fresh_env.headers("demo_user_1"),
                                               json=body), 422, "validation_error")
        assert error["details"], (body, error)
    assert fresh_env.rows("select count(*) as n from app.tags") == [{"n": 0}]


def test_empty_update_is_422(fresh_env):
    h = fresh_env.headers("demo_user_1")
    tag = ok_data(fresh_env.client.post(TAGS, headers=h, json={"name": "x"}), 201)
    error_of(fresh_env.client.put(f"{TAGS}/{tag['id']}", headers=h, json={}), 422)


def test_other_users_tags_are_404(fresh_env):
    env = fresh_env
    mine = ok_data(env.client.post(TAGS, headers=env.headers("demo_user_1"),
                                   json={"name": "secret"}), 201)
    other = env.headers("demo_user_2")
    assert ok_data(env.client.get(TAGS, headers=other)) == []
    error_of(env.client.put(f"{TAGS}/{mine['id']}", headers=other, json={"name": "mine"}), 404)
    error_of(env.client.delete(f"{TAGS}/{mine['id']}", headers=other), 404)
    error_of(env.client.delete(f"{TAGS}/{mine['id']}", headers=env.headers("demo_admin")), 404)
    assert env.rows("select name from app.tags where id = :id", {"id": mine["id"]}) == [
        {"name": "secret"}]


def test_position_tags(fresh_env):
    env, h = fresh_env, fresh_env.headers("demo_user_1")
    books = _books(env)
    position = books["demo_user_1"][0]  # AAPL: tags tech, core, quality from the CSV
    current = ok_data(env.client.get(f"/api/v1/positions/{position}/tags", headers=h))
    assert current["position_id"] == position
    assert sorted(t["name"] for t in current["tags"]) == ["core", "quality", "tech"]
    hedge = ok_data(env.client.post(TAGS, headers=h, json={"name": "my hedge"}), 201)
    tech = next(t for t in current["tags"] if t["name"] == "tech")
    replaced = ok_data(env.client.put(f"/api/v1/positions/{position}/tags", headers=h,
                                      json={"tag_ids": [hedge["id"], tech["id"], tech["id"]]}))
    assert sorted(t["name"] for t in replaced["tags"]) == ["my hedge", "tech"]
    stored = env.rows("select tag_id from app.position_tags where position_id = :p "
                      "order by tag_id", {"p": position})
    assert [r["tag_id"] for r in stored] == sorted([hedge["id"], tech["id"]])
    tags = {t["name"]: t for t in ok_data(env.client.get(TAGS, headers=h))}
    assert tags["my hedge"]["position_count"] == 1
    expected_tech = env.rows(
        "select count(*) as n from app.position_tags where tag_id = :t", {"t": tech["id"]})
    assert tags["tech"]["position_count"] == expected_tech[0]["n"]
    cleared = ok_data(env.client.put(f"/api/v1/positions/{position}/tags", headers=h,
                                     json={"tag_ids": []}))
    assert cleared["tags"] == []
    # deleting a tag removes it from its positions
    ok_data(env.client.put(f"/api/v1/positions/{position}/tags", headers=h,
                           json={"tag_ids": [hedge["id"]]}))
    ok_data(env.client.delete(f"{TAGS}/{hedge['id']}", headers=h))
    assert ok_data(env.client.get(f"/api/v1/positions/{position}/tags", headers=h))["tags"] == []


def test_position_tags_of_other_users_are_refused(fresh_env):
    env = fresh_env
    books = _books(env)
    mine, theirs = books["demo_user_1"][0], books["demo_user_2"][0]
    h1, h2 = env.headers("demo_user_1"), env.headers("demo_user_2")
    error_of(env.client.get(f"/api/v1/positions/{theirs}/tags", headers=h1), 404)
    error_of(env.client.put(f"/api/v1/positions/{theirs}/tags", headers=h1,
                            json={"tag_ids": []}), 404)
    error_of(env.client.get("/api/v1/positions/999999/tags", headers=h1), 404)
    their_tag = env.rows("select min(id) as id from app.tags where user_id = :u",
                         {"u": env.users["demo_user_2"]})[0]["id"]
    before = env.rows("select tag_id from app.position_tags where position_id = :p "
                      "order by tag_id", {"p": mine})
    error = error_of(env.client.put(f"/api/v1/positions/{mine}/tags", headers=h1,
                                    json={"tag_ids": [their_tag, 999999]}), 422, "unknown_tags")
    assert error["details"] == {"tag_ids": sorted([their_tag, 999999])}
    after = env.rows("select tag_id from app.position_tags where position_id = :p "
                     "order by tag_id", {"p": mine})
    assert after == before
    error_of(env.client.put(f"/api/v1/positions/{mine}/tags", headers=h2,
                            json={"tag_ids": [their_tag]}), 404)
    error_of(env.client.put(f"/api/v1/positions/{mine}/tags", headers=h1,
                            json={"tag_ids": "x"}), 422, "validation_error")


def test_the_tag_list_is_paged_with_its_total_in_a_header(fresh_env):
    env, h = fresh_env, fresh_env.headers("demo_user_1")
    names = [f"t{i:02d}" for i in range(12)]  # listed by name: t00, t01, ...
    for name in names:
        ok_data(env.client.post(TAGS, headers=h, json={"name": name}), 201)
    response = env.client.get(TAGS, headers=h, params={"limit": 5, "offset": 10})
    assert [t["name"] for t in ok_data(response)] == names[10:12]
    assert response.headers["X-Total-Count"] == "12"
    assert len(ok_data(env.client.get(TAGS, headers=h))) == 12  # default page: up to 500
    error_of(env.client.get(TAGS, headers=h, params={"limit": 501}), 422, "validation_error")
    error_of(env.client.get(TAGS, headers=h, params={"offset": -1}), 422, "validation_error")
