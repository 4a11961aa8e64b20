"""Fixtures of the API tests: real apps over real warehouses (DuckDB and PostgreSQL).

``env`` is a fully built warehouse per kind, shared by every API test module of the
session (built lazily, once per kind): demo users seeded, demo_user_2's book written
through the upload path, demo_user_1's book uploaded **through the API**
(``POST /portfolio/upload``), whose backfill run (prices, dbt, risk step, marts) is
awaited through ``GET /batch-runs/{id}``. Tests that change tags only touch tags they
create, and expectations are recomputed from the live tables at test time.

``fresh_env`` is an empty warehouse per test (users seeded, no marts) for tests that
need isolation: login limits, uploads that fail, tag CRUD.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from api.seed import seed_demo_users
from ingest.config import REPO_ROOT, Settings
from ingest.upload import upload_positions_csv
from ingest.warehouse import Warehouse, close_all_warehouses, get_warehouse
from ingest.warehouse.schema import ensure_schema
from tests.conftest import dispose_settings, make_settings

AS_OF = dt.date(2026, 11, 20)  # a Friday session
TEST_BCRYPT_ROUNDS = 4  # the hash stores its cost; production seeds use 12
DEMO_DATA = REPO_ROOT / "ingest" / "demo_data"
PASSWORDS = {"demo_user_1": "demo123", "demo_user_2": "demo123", "demo_admin": "admin123"}
KINDS = ["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)]


@dataclass
class ApiEnv:
    settings: Settings
    warehouse: Warehouse
    client: TestClient
    users: dict[str, int]
    tokens: dict[str, str] = field(default_factory=dict)
    portfolios: dict[str, int] = field(default_factory=dict)
    upload: dict[str, Any] = field(default_factory=dict)
    run: dict[str, Any] = field(default_factory=dict)

    def headers(self, username: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[username]}"}

    def get(self, url: str, user: str = "demo_user_1", **kwargs):
        return self.client.get(url, headers=self.headers(user), **kwargs)

    def rows(self, sql: str, params: dict | None = None) -> list[dict[str, Any]]:
        with self.warehouse.connect() as conn:
            return conn.fetch_dicts(sql, params)


def login(client: TestClient, username: str, password: str | None = None):
    return client.post("/api/v1/auth/login",
                       json={"username": username, "password": password or PASSWORDS[username]})


def new_env(settings: Settings) -> ApiEnv:
    warehouse = get_warehouse(settings)
    ensure_schema(warehouse)
    users = seed_demo_users(warehouse, rounds=TEST_BCRYPT_ROUNDS)
    client = TestClient(create_app(settings))
    env = ApiEnv(settings, warehouse, client, users)
    for username in PASSWORDS:
        response = login(client, username)
        assert response.status_code == 200, response.text
        env.tokens[username] = response.json()["token"]
    return env


def wait_for_run(env: ApiEnv, run_id: str, user: str, timeout: float = 600.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        response = env.get(f"/api/v1/batch-runs/{run_id}", user)
        assert response.status_code == 200, response.text
        run = response.json()["data"]
        if run["status"] in {"completed", "failed", "skipped"}:
            return run
        time.sleep(0.25)
    raise TimeoutError(f"run {run_id} did not finish in {timeout} s")


def build_env(kind: str, directory: Path) -> ApiEnv:
    settings = make_settings(kind, directory, as_of_date=AS_OF)
    env = new_env(settings)
    second = upload_positions_csv(env.warehouse, user_id=env.users["demo_user_2"],
                                  data=(DEMO_DATA / "demo_user_2.csv").read_bytes(), today=AS_OF)
    env.portfolios["demo_user_2"] = second.portfolio_id
    response = env.client.post(
        "/api/v1/portfolio/upload", headers=env.headers("demo_user_1"),
        files={"file": ("demo_user_1.csv", (DEMO_DATA / "demo_user_1.csv").read_bytes(),
                        "text/csv")})
    assert response.status_code == 202, response.text
    env.upload = response.json()["data"]
    env.portfolios["demo_user_1"] = env.upload["portfolio_id"]
    env.run = wait_for_run(env, env.upload["batch_run_id"], "demo_user_1")
    assert env.run["status"] == "completed", env.run
    return env


class ApiBuilds:
    """One built warehouse per kind for the whole session (built on first use)."""

    def __init__(self, factory, prefix: str = "api"):
        self._factory = factory
        self._prefix = prefix
        self._envs: dict[str, ApiEnv] = {}

    def get(self, kind: str) -> ApiEnv:
        if kind not in self._envs:
            self._envs[kind] = build_env(kind, self._factory.mktemp(f"{self._prefix}-{kind}"))
        return self._envs[kind]

    def close(self) -> None:
        for env in self._envs.values():
            env.warehouse.close()
            dispose_settings(env.settings)
        close_all_warehouses()


@pytest.fixture(scope="session")
def api_builds(tmp_path_factory) -> Iterator[ApiBuilds]:
    builds = ApiBuilds(tmp_path_factory)
    yield builds
    builds.close()


@pytest.fixture(params=KINDS)
def env(request, api_builds) -> ApiEnv:
    """The built warehouse of each kind (shared: do not change what others read)."""
    return api_builds.get(request.param)


@pytest.fixture
def fresh_env(settings: Settings) -> Iterator[ApiEnv]:
    """An empty warehouse of each kind with the demo users (no books, no marts)."""
    env = new_env(settings.model_copy(update={"as_of_date": AS_OF}))
    yield env
    env.warehouse.close()


# --- envelope checks ----------------------------------------------------------------

def ok_data(response, status: int = 200) -> Any:
    """The ``data`` of a success envelope (status and shape checked)."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"success", "data", "message"}, body
    assert body["success"] is True
    return body["data"]


def error_of(response, status: int, code: str | None = None) -> dict[str, Any]:
    """The ``error`` of an error envelope (status, shape and code checked)."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"success", "error"}, body
    assert body["success"] is False
    assert {"code", "message", "details"} <= set(body["error"]) <= {
        "code", "message", "details", "total"}, body
    assert isinstance(body["error"]["message"], str)
    assert body["error"]["message"]
    if code is not None:
        assert body["error"]["code"] == code, body
    return body["error"]
