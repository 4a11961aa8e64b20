"""The read cache (api/cache.py): hits are byte-identical, every write shows at once.

On both warehouses, against the shared built ``env``: a tag change, a CSV upload through
the API and a pipeline run each show up in the very next response (expected values are
read back from the tables, not from the API), and no user is ever sent another user's
cached body. Tests that change data restore it in ``finally``.
"""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from api.cache import Entry, ResponseCache, cache_key
from api.request_state import RequestState, forget_states
from api.security import TokenError, create_access_token, decode_access_token
from api.version_listener import VersionListener
from tests.api.conftest import DEMO_DATA, error_of, ok_data

POSITIONS = "/api/v1/positions"
CACHED = ["/api/v1/portfolio", "/api/v1/portfolio/snapshots", POSITIONS,
          "/api/v1/risk/greeks", "/api/v1/risk/factors", "/api/v1/risk/metrics"]


def _twice(env, path, user="demo_user_1", params=None):
    first = env.get(path, user, params=params)
    second = env.get(path, user, params=params)
    return first, second


@pytest.mark.parametrize("path", CACHED)
def test_repeated_reads_are_hits_with_identical_bytes(env, path):
    first, second = _twice(env, path)
    assert first.status_code == second.status_code == 200, first.text
    assert second.headers["x-cache"] == "hit"
    assert second.content == first.content
    assert second.headers["content-type"] == first.headers["content-type"]
    assert int(second.headers["content-length"]) == len(second.content)


def test_uncached_paths_and_errors_are_not_cached(env):
    assert "x-cache" not in env.get("/api/v1/tags").headers
    other = env.portfolios["demo_user_2"]
    for _ in range(2):  # a 404 is never stored
        response = env.get("/api/v1/portfolio", params={"portfolio_id": other})
        error_of(response, 404)
        assert response.headers.get("x-cache") != "hit"


def _align_user_versions(env, *users: str) -> None:
    """Give the users the same (higher) data version, so that only the key separates
    their cache entries (raising a version only invalidates)."""
    ids = [env.users[user] for user in users]
    with env.warehouse.connect() as conn:
        top = conn.fetch_one("select coalesce(max(version), 0) as v from app.data_version")
        for user_id in ids:
            conn.execute("insert into app.data_version (id, version, updated_at) "
                         "values (:id, :v, current_timestamp) on conflict (id) do update "
                         "set version = excluded.version", {"id": user_id, "v": top["v"] + 1})
    forget_states()  # a write outside the API: forget what this process remembered


def test_no_user_ever_gets_another_users_body(env):
    mine, theirs = env.portfolios["demo_user_1"], env.portfolios["demo_user_2"]
    _align_user_versions(env, "demo_user_1", "demo_user_2", "demo_admin")
    for path in CACHED:
        _twice(env, path, "demo_user_1")  # user 1's body is cached
        _twice(env, path, "demo_user_1", params={"portfolio_id": mine})
        own = env.get(path, "demo_user_2")
        assert ok_data(own)["portfolio_id"] == theirs, path
        # user 1's portfolio by id, with user 1's body in the cache under that id: 404
        error_of(env.get(path, "demo_user_2", params={"portfolio_id": mine}), 404)
        error_of(env.get(path, "demo_admin", params={"portfolio_id": mine}), 404)
    # user 2 sees only their own positions, even on the exact query user 1 cached
    ids = {r["id"] for r in env.rows("select id from app.positions where portfolio_id = :p",
                                     {"p": theirs})}
    _twice(env, POSITIONS, "demo_user_1", params={"limit": 500})
    page = ok_data(env.get(POSITIONS, "demo_user_2", params={"limit": 500}))
    assert {item["position_id"] for item in page["items"]} == ids


def _tags_in_db(env, position_id: int, user: str = "demo_user_1") -> set[str]:
    return {r["name"] for r in env.rows(
        "select t.name from app.position_tags pt join app.tags t on t.id = pt.tag_id "
        "where pt.position_id = :p and t.user_id = :u", {"p": position_id,
                                                          "u": env.users[user]})}


def _item_tags(env, position_id: int, params: dict) -> tuple[set[str], str]:
    response = env.get(POSITIONS, params=params)
    item = next(i for i in ok_data(response)["items"] if i["position_id"] == position_id)
    return {t["name"] for t in item["tags"]}, response.headers["x-cache"]


def test_tag_changes_show_in_the_very_next_response(env):
    params = {"limit": 500}
    position = env.rows("select min(id) as id from app.positions where portfolio_id = :p",
                        {"p": env.portfolios["demo_user_1"]})[0]["id"]
    name = f"probe-{uuid.uuid4().hex[:8]}"
    _twice(env, POSITIONS, params=params)
    assert _item_tags(env, position, params)[1] == "hit"
    before = _tags_in_db(env, position)
    current = [t["id"] for t in ok_data(env.get(f"/api/v1/positions/{position}/tags"))["tags"]]
    tag = ok_data(env.client.post("/api/v1/tags", headers=env.headers("demo_user_1"),
                                  json={"name": name}), 201)
    try:
        _twice(env, POSITIONS, params=params)  # cached after the tag's creation
        assert _item_tags(env, position, params) == (before, "hit")
        ok_data(env.client.put(f"/api/v1/positions/{position}/tags",
                               headers=env.headers("demo_user_1"),
                               json={"tag_ids": [*current, tag["id"]]}))
        tags, cache = _item_tags(env, position, params)
        assert tags == _tags_in_db(env, position) == before | {name}
        assert cache == "miss"
        grouped = ok_data(env.get(POSITIONS, params={"groupBy": "tag", "tags": name}))
        assert grouped["total"] == 1
        # a rename is a tag change too
        renamed = f"{name}-x"
        assert _item_tags(env, position, params)[1] == "hit"
        ok_data(env.client.put(f"/api/v1/tags/{tag['id']}", headers=env.headers("demo_user_1"),
                               json={"name": renamed}))
        assert _item_tags(env, position, params) == (before | {renamed}, "miss")
        assert _item_tags(env, position, params)[1] == "hit"
    finally:
        ok_data(env.client.delete(f"/api/v1/tags/{tag['id']}",
                                  headers=env.headers("demo_user_1")))
    tags, cache = _item_tags(env, position, params)
    assert tags == _tags_in_db(env, position) == before
    assert cache == "miss"
    assert ok_data(env.get(POSITIONS, params={"tags": renamed}))["total"] == 0


def test_an_upload_shows_in_the_very_next_response(env, monkeypatch):
    from flows import pipeline

    monkeypatch.setattr(pipeline, "submit_portfolio_backfill",
                        lambda settings, portfolio_id, requested_by=None: "no-run")
    name = f"upl-{uuid.uuid4().hex[:8]}"
    lines = (DEMO_DATA / "demo_user_1.csv").read_text().strip().splitlines()
    header = lines[0].split(",")
    assert header[-1] == "tags"
    first = lines[1]
    symbol, entry_date = first.split(",")[0], first.split(",")[3]
    position = env.rows("select id from app.positions where portfolio_id = :p and "
                        "symbol = :s and entry_date = :d",
                        {"p": env.portfolios["demo_user_1"], "s": symbol,
                         "d": dt.date.fromisoformat(entry_date)})[0]["id"]
    tags_field = first.split(",", 4)[4].strip('"')
    new_first = ",".join(first.split(",")[:4]) + f',"{tags_field},{name}"'
    csv = "\n".join([lines[0], new_first, *lines[2:]]) + "\n"
    params = {"tags": name}
    _twice(env, POSITIONS, params=params)
    assert ok_data(env.get(POSITIONS, params=params))["total"] == 0
    accepted = ok_data(env.client.post("/api/v1/portfolio/upload",
                                       headers=env.headers("demo_user_1"),
                                       files={"file": ("b.csv", csv.encode(), "text/csv")}), 202)
    try:
        assert accepted["portfolio_id"] == env.portfolios["demo_user_1"]
        assert name in _tags_in_db(env, position)
        response = env.get(POSITIONS, params=params)
        assert response.headers["x-cache"] == "miss"
        assert [i["position_id"] for i in ok_data(response)["items"]] == [position]
    finally:
        tag_id = env.rows("select id from app.tags where user_id = :u and name = :n",
                          {"u": env.users["demo_user_1"], "n": name})[0]["id"]
        ok_data(env.client.delete(f"/api/v1/tags/{tag_id}", headers=env.headers("demo_user_1")))
    assert ok_data(env.get(POSITIONS, params=params))["total"] == 0


def _latest_daily_pnl(env) -> float:
    return env.rows("select daily_pnl from marts.fct_portfolio_snapshots where portfolio_id = :p "
                    "order by snapshot_date desc limit 1",
                    {"p": env.portfolios["demo_user_1"]})[0]["daily_pnl"]


def _shift_latest_daily_pnl(env, delta: float) -> None:
    with env.warehouse.connect() as conn:
        conn.execute("update marts.fct_portfolio_snapshots set daily_pnl = daily_pnl + :x "
                     "where portfolio_id = :p and snapshot_date = (select max(snapshot_date) "
                     "from marts.fct_portfolio_snapshots where portfolio_id = :p)",
                     {"x": delta, "p": env.portfolios["demo_user_1"]})


def test_a_pipeline_run_shows_in_the_very_next_response(env, monkeypatch):
    """run_pipeline with its steps replaced by one that changes a mart row in place (as
    dbt stage 2 would): the change shows at once after the run, and not before it."""
    from flows import pipeline, steps

    for name in ("load_prices_step", "dbt_stage1_step", "risk_step"):
        monkeypatch.setattr(steps, name, lambda *args, **kwargs: None)
    delta = 1234.5
    original = _latest_daily_pnl(env)
    _twice(env, "/api/v1/portfolio")
    assert ok_data(env.get("/api/v1/portfolio"))["daily_pnl"] == pytest.approx(original)

    def run(change: float) -> None:
        monkeypatch.setattr(steps, "dbt_stage2_step",
                            lambda *args, **kwargs: _shift_latest_daily_pnl(env, change))
        pipeline.run_pipeline(env.settings, warehouse=env.warehouse)

    try:
        run(delta)
        assert _latest_daily_pnl(env) == pytest.approx(original + delta)
        response = env.get("/api/v1/portfolio")
        assert response.headers["x-cache"] == "miss"
        assert ok_data(response)["daily_pnl"] == pytest.approx(original + delta)
        # control: a change of the marts outside a pipeline run is not seen (cache hit)
        _shift_latest_daily_pnl(env, -delta)
        response = env.get("/api/v1/portfolio")
        assert response.headers["x-cache"] == "hit"
        assert ok_data(response)["daily_pnl"] == pytest.approx(original + delta)
        _shift_latest_daily_pnl(env, delta)
    finally:
        run(-delta)
    assert _latest_daily_pnl(env) == pytest.approx(original)
    assert ok_data(env.get("/api/v1/portfolio"))["daily_pnl"] == pytest.approx(original)


# --- units -------------------------------------------------------------------------------

def _state(user_id=1, portfolio_id=10, versions=(1, 1)) -> RequestState:
    return RequestState({"id": user_id, "username": "u", "is_admin": False,
                         "portfolio_id": portfolio_id}, versions)


def _scope(path="/api/v1/positions", query=b"") -> dict:
    return {"type": "http", "method": "GET", "path": path, "query_string": query}


def test_cache_key_normalises_the_query():
    state = _state()
    assert cache_key(_scope(query=b"b=2&a=1"), state) == cache_key(_scope(query=b"a=1&b=2"),
                                                                   state)
    # the default portfolio and the same id given explicitly are one entry
    assert cache_key(_scope(), state) == cache_key(_scope(query=b"portfolio_id=10"), state)
    assert cache_key(_scope(), state) != cache_key(_scope(query=b"portfolio_id=11"), state)
    # repeated names keep their order (FastAPI reads the last value)
    assert cache_key(_scope(query=b"tags=a&tags=b"), state) != \
        cache_key(_scope(query=b"tags=b&tags=a"), state)
    # percent-encoding is decoded; users and paths are separate
    assert cache_key(_scope(query=b"tags=a%2Cb"), state) == \
        cache_key(_scope(query=b"tags=a,b"), state)
    assert cache_key(_scope(), state) != cache_key(_scope(), _state(user_id=2))
    assert cache_key(_scope(), state) != cache_key(_scope("/api/v1/portfolio"), state)


def test_response_cache_versions_and_bounds():
    cache = ResponseCache(max_entries=3, max_bytes=8 * 100)
    entry = Entry((1, 1), ((b"content-type", b"application/json"),), b"x" * 10)
    cache.put(("k", 1), entry)
    assert cache.get(("k", 1), (1, 1)) is entry
    assert cache.get(("k", 1), (2, 1)) is None
    assert cache.get(("k", 1), (1, 2)) is None
    newer = Entry((2, 1), entry.headers, b"new")
    cache.put(("k", 1), newer)
    cache.put(("k", 1), entry)  # a late body of an older version does not replace it
    assert cache.get(("k", 1), (2, 1)) is newer
    for i in range(2, 6):
        cache.put(("k", i), entry)
    assert len(cache) == 3
    assert cache.get(("k", 1), (2, 1)) is None  # least recently used, evicted
    cache.put(("big", 0), Entry((1, 1), (), b"y" * 101))  # > max_bytes / 8: not stored
    assert cache.get(("big", 0), (1, 1)) is None
    cache.put(("a", 0), Entry((1, 1), (), b"z" * 90))
    cache.put(("b", 0), Entry((1, 1), (), b"z" * 90))
    assert len(cache) <= 3


def test_cached_token_is_refused_once_expired(monkeypatch, settings_for_tokens):
    import api.security as security

    now = dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC)
    issued = create_access_token(7, settings_for_tokens, now=dt.datetime.now(dt.UTC))
    assert decode_access_token(issued.token, settings_for_tokens) == 7
    assert decode_access_token(issued.token, settings_for_tokens) == 7  # cached
    expiry = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=issued.expires_in)
    monkeypatch.setattr(security, "_now", lambda: expiry.timestamp() + 1)
    with pytest.raises(TokenError, match="expired"):
        decode_access_token(issued.token, settings_for_tokens)
    # a token signed with another secret is refused even when cached for its own secret
    other = settings_for_tokens.model_copy(update={"jwt_secret": "another-secret-" + "x" * 40})
    monkeypatch.setattr(security, "_now", lambda: now.timestamp())
    with pytest.raises(TokenError):
        decode_access_token(issued.token, other)


@pytest.fixture
def settings_for_tokens(tmp_path):
    from ingest.config import Settings

    return Settings(environment="test", data_dir=tmp_path,
                    database_url=f"duckdb:///{tmp_path / 'w.duckdb'}")


def _fake_warehouse(kind="duckdb", release=2.0):
    from types import SimpleNamespace

    settings = SimpleNamespace(database_url=f"{kind}:///memo-test-{uuid.uuid4().hex}",
                               duckdb_idle_release_seconds=release)
    return SimpleNamespace(kind=kind, settings=settings)


def test_remembered_states_are_exact(monkeypatch):
    import api.request_state as dv

    state = _state(user_id=5)
    reads = []
    monkeypatch.setattr(dv, "read_request_state",
                        lambda warehouse, user_id: reads.append(user_id) or state)
    duck = _fake_warehouse()
    assert dv.current_state(duck, 5) is state
    assert dv.current_state(duck, 5) is state
    assert reads == [5]  # remembered
    dv.forget_states()  # what write_lock does after a bumping write committed
    assert dv.remembered_state(duck, 5) is None
    assert dv.current_state(duck, 5) is state
    assert reads == [5, 5]
    # not on PostgreSQL without a healthy listener, nor when DuckDB's file may be
    # released within the window
    monkeypatch.setattr(dv, "start_listener", lambda warehouse: None)
    for warehouse in (_fake_warehouse("postgres"), _fake_warehouse(release=0.05)):
        dv.current_state(warehouse, 5)
        dv.current_state(warehouse, 5)
        assert dv.remembered_state(warehouse, 5) is None
    assert reads == [5, 5, 5, 5, 5, 5]
    assert dv.memo_seconds(_fake_warehouse(release=0)) == dv.memo_seconds(duck) == 0.1
    # a read that raced with a committed write (forget_states during the read) is not kept
    other = _fake_warehouse()
    monkeypatch.setattr(dv, "read_request_state",
                        lambda warehouse, user_id: dv.forget_states() or state)
    assert dv.current_state(other, 5) is state
    assert dv.remembered_state(other, 5) is None


def test_write_lock_forgets_after_the_transaction(monkeypatch):
    import api.request_state as dv

    duck = _fake_warehouse()
    monkeypatch.setattr(dv, "read_request_state", lambda warehouse, user_id: _state())
    dv.current_state(duck, 1)
    from ingest.warehouse.data_version import write_lock

    with write_lock(1):
        assert dv.remembered_state(duck, 1) is not None  # not before the commit
    assert dv.remembered_state(duck, 1) is None


def test_postgres_states_follow_the_listener(monkeypatch):
    """On PostgreSQL a state is remembered only while the listener is healthy, and a
    notification forgets its scope (a user, or everything for scope 0), including a
    read that was in flight when it arrived."""
    import api.request_state as dv

    monkeypatch.setattr(dv, "start_listener", lambda warehouse: None)
    pg = _fake_warehouse("postgres")
    url = pg.settings.database_url
    listener = VersionListener(pg, lambda user_id, then: dv.forget_states(url, user_id, then),
                               on_exit=lambda _: None)  # never started: driven by hand
    monkeypatch.setitem(dv._LISTENERS, url, listener)
    reads = []
    monkeypatch.setattr(dv, "read_request_state",
                        lambda warehouse, user_id: reads.append(user_id) or _state(user_id))
    dv.current_state(pg, 5)
    assert dv.remembered_state(pg, 5) is None  # not connected yet
    listener._set_connected(True)  # what the thread does once LISTEN succeeded
    assert dv.memo_seconds(pg) == dv.PG_MEMO_SECONDS
    for user_id in (5, 6):
        dv.current_state(pg, user_id)
        dv.current_state(pg, user_id)
    assert reads == [5, 5, 6]
    listener._notified("5")
    assert dv.remembered_state(pg, 5) is None
    assert dv.remembered_state(pg, 6) is not None
    listener._notified("0")
    assert dv.remembered_state(pg, 6) is None
    # a read that raced with a notification is not kept
    monkeypatch.setattr(dv, "read_request_state",
                        lambda warehouse, user_id: listener._notified("7") or _state(user_id))
    dv.current_state(pg, 7)
    assert dv.remembered_state(pg, 7) is None
    # the connection drops: nothing remembered, nothing kept for the reconnect
    monkeypatch.setattr(dv, "read_request_state", lambda warehouse, user_id: _state(user_id))
    dv.current_state(pg, 8)
    assert dv.remembered_state(pg, 8) is not None
    listener._set_connected(False)
    assert dv.memo_seconds(pg) == 0
    dv.current_state(pg, 8)
    listener._set_connected(True)
    assert dv.remembered_state(pg, 8) is None
    # a stale heartbeat (dead socket, starved thread) counts as down
    dv.current_state(pg, 8)
    listener.last_beat -= listener.STALE_SECONDS
    assert dv.remembered_state(pg, 8) is None
    listener._beat()  # back: forgets what was remembered before
    assert dv.remembered_state(pg, 8) is None
    # the maximum age still applies
    dv.current_state(pg, 8)
    key = (url, 8)
    dv._memo[key] = (dv._memo[key][0] - dv.PG_MEMO_SECONDS, dv._memo[key][1])
    assert dv.remembered_state(pg, 8) is None


@pytest.mark.parametrize("env", ["duckdb"], indirect=True)
def test_no_listener_on_duckdb(env):
    import api.request_state as dv

    assert dv.start_listener(env.warehouse) is None
    assert dv.memo_seconds(env.warehouse) == dv.MEMO_SECONDS


# --- PostgreSQL: bumps committed by another process (LISTEN/NOTIFY) ------------------------

POSTGRES_ONLY = pytest.mark.parametrize(
    "env", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)


def _dsn(env) -> str:
    import re

    return re.sub(r"^postgresql\+\w+://", "postgresql://", env.settings.database_url)


def _healthy_listener(env, timeout: float = 5.0):
    import time

    import api.request_state as dv

    listener = dv.start_listener(env.warehouse)
    deadline = time.monotonic() + timeout
    while not listener.healthy():
        assert time.monotonic() < deadline, "the listener did not connect"
        time.sleep(0.01)
        listener = dv.start_listener(env.warehouse)
    return listener


def _bump_elsewhere(env, scope: int, notify: bool = True, pnl_delta: float | None = None):
    """What another process's write does: data + bump (+ notification), one transaction."""
    import psycopg

    with psycopg.connect(_dsn(env)) as conn:  # commits on exit
        if pnl_delta is not None:
            conn.execute(
                "update marts.fct_portfolio_snapshots set daily_pnl = daily_pnl + %(x)s "
                "where portfolio_id = %(p)s and snapshot_date = (select max(snapshot_date) "
                "from marts.fct_portfolio_snapshots where portfolio_id = %(p)s)",
                {"x": pnl_delta, "p": env.portfolios["demo_user_1"]})
        conn.execute("insert into app.data_version (id, version, updated_at) "
                     "values (%(s)s, 1, current_timestamp) on conflict (id) do update set "
                     "version = app.data_version.version + 1, updated_at = excluded.updated_at",
                     {"s": scope})
        if notify:
            conn.execute("select pg_notify('sigmasight_data_version', %(s)s)",
                         {"s": str(scope)})


def _poll(env, path: str, done, timeout: float = 1.0):
    """GET ``path`` until ``done(response)``; the response and the seconds it took."""
    import time

    started = time.monotonic()
    while True:
        response = env.get(path)
        elapsed = time.monotonic() - started
        if done(response) or elapsed > timeout:
            return response, elapsed
        time.sleep(0.005)


@POSTGRES_ONLY
def test_a_bump_committed_elsewhere_shows_at_once(env):
    import time

    import api.request_state as dv

    _healthy_listener(env)
    path, user_id = "/api/v1/portfolio", env.users["demo_user_1"]
    original = _latest_daily_pnl(env)
    _twice(env, path)
    assert env.get(path).headers["x-cache"] == "hit"
    assert dv.remembered_state(env.warehouse, user_id) is not None  # no version query
    delta = 4321.5
    try:
        # the marts change with a warehouse bump (scope 0), as a pipeline run elsewhere
        _bump_elsewhere(env, 0, pnl_delta=delta)
        response, _ = _poll(env, path, lambda r: ok_data(r)["daily_pnl"] != original)
        assert ok_data(response)["daily_pnl"] == pytest.approx(original + delta)
        assert response.headers["x-cache"] == "miss"
        # a user's own scope, bumped elsewhere (tags, upload in another API process)
        assert env.get(path).headers["x-cache"] == "hit"
        _bump_elsewhere(env, user_id)
        response, _ = _poll(env, path, lambda r: r.headers["x-cache"] == "miss")
        assert response.headers["x-cache"] == "miss"
        # another user's bump forgets only that user's remembered state
        other = env.users["demo_user_2"]
        assert env.get(path).headers["x-cache"] == "hit"
        env.get(path, "demo_user_2")
        assert dv.remembered_state(env.warehouse, other) is not None
        _bump_elsewhere(env, other)
        deadline = time.monotonic() + 1.0
        while dv.remembered_state(env.warehouse, other) is not None:
            assert time.monotonic() < deadline, "the notification did not arrive"
            time.sleep(0.005)
        assert dv.remembered_state(env.warehouse, user_id) is not None
        assert env.get(path).headers["x-cache"] == "hit"
        # control: a bump without its notification is not seen while the listener is up
        # (the versions really are remembered, not read per request)
        _bump_elsewhere(env, 0, notify=False)
        assert env.get(path).headers["x-cache"] == "hit"
        dv.forget_states()
    finally:
        _bump_elsewhere(env, 0, pnl_delta=-delta)
    response, _ = _poll(env, path, lambda r: ok_data(r)["daily_pnl"] == pytest.approx(original))
    assert ok_data(response)["daily_pnl"] == pytest.approx(original)


@POSTGRES_ONLY
def test_listener_down_falls_back_to_reading_versions_per_request(env, monkeypatch):
    import time

    import psycopg

    import api.request_state as dv

    listener = _healthy_listener(env)
    monkeypatch.setattr(listener, "RETRY_SECONDS", (1.5,))  # stays down for a while
    path, user_id = "/api/v1/portfolio", env.users["demo_user_1"]
    _twice(env, path)
    with psycopg.connect(_dsn(env), autocommit=True) as conn:
        conn.execute("select pg_terminate_backend(%(p)s)", {"p": listener.backend_pid})
    deadline = time.monotonic() + 1.0
    while listener.healthy():
        assert time.monotonic() < deadline, "the listener did not notice the drop"
        time.sleep(0.005)
    assert dv.memo_seconds(env.warehouse) == 0
    assert dv.remembered_state(env.warehouse, user_id) is None
    # down: even a bump without notification shows in the very next response
    for _ in range(2):
        assert env.get(path).headers["x-cache"] == "hit"
        _bump_elsewhere(env, user_id, notify=False)
        assert env.get(path).headers["x-cache"] == "miss"
    assert dv.remembered_state(env.warehouse, user_id) is None
    # back up: remembering again, notifications seen
    assert _healthy_listener(env) is listener
    _twice(env, path)
    assert dv.remembered_state(env.warehouse, user_id) is not None
    _bump_elsewhere(env, user_id)
    response, _ = _poll(env, path, lambda r: r.headers["x-cache"] == "miss")
    assert response.headers["x-cache"] == "miss"
