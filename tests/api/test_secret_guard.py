"""The public development JWT secret never signs for a deployed server.

Real processes are started the way an operator would (``uvicorn api.main:app``,
``python -m api.demo --serve``) with a clean environment, and must exit with a message
naming the setting; tokens forged with the development secret are refused by an app
built with production settings.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import subprocess
import sys

import pytest
from fastapi.testclient import TestClient
from jose import jwt

from api.main import create_app
from api.secret_guard import InsecureSecretError, check_signing_secret, is_loopback
from ingest.config import DEV_JWT_SECRET, REPO_ROOT, Settings
from tests.api.conftest import error_of, login, ok_data
from tests.utils.live_server import free_port

PRODUCTION_SECRET = "k3Y-" + "z" * 60


def _forged(user_id: int) -> str:
    now = dt.datetime.now(dt.UTC)
    claims = {"sub": str(user_id), "iat": int(now.timestamp()),
              "exp": int((now + dt.timedelta(hours=1)).timestamp())}
    return jwt.encode(claims, DEV_JWT_SECRET, algorithm="HS256")


def test_a_token_forged_with_the_development_secret_is_refused_in_production(fresh_env):
    production = fresh_env.settings.model_copy(update={"environment": "production",
                                                       "jwt_secret": PRODUCTION_SECRET})
    client = TestClient(create_app(production))
    forged = _forged(fresh_env.users["demo_admin"])
    for path in ("/api/v1/tags", "/api/v1/positions", "/api/v1/modeling/sessions"):
        error = error_of(client.get(path, headers={"Authorization": f"Bearer {forged}"}), 401)
        assert "signature" in error["message"]
    token = login(client, "demo_admin").json()["token"]  # its own tokens work
    ok_data(client.get("/api/v1/tags", headers={"Authorization": f"Bearer {token}"}))
    # the development app would have accepted the forged token: the check is real
    ok_data(fresh_env.client.get("/api/v1/tags", headers={"Authorization": f"Bearer {forged}"}))


def _clean_env(tmp_path, **values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SIGMASIGHT_")}
    env.update({"SIGMASIGHT_DATA_DIR": str(tmp_path),
                "SIGMASIGHT_DATABASE_URL": f"duckdb:///{tmp_path / 'w.duckdb'}", **values})
    return env


def test_servers_refuse_to_start_on_the_development_secret(tmp_path):
    uvicorn = [sys.executable, "-m", "uvicorn", "api.main:app", "--host", "127.0.0.1"]
    starts = {
        "production": (uvicorn, {"SIGMASIGHT_ENVIRONMENT": "production"}),
        "unset": (uvicorn, {}),
        "demo on 0.0.0.0": ([sys.executable, "-m", "api.demo", "--serve", "--host", "0.0.0.0"],
                            {"SIGMASIGHT_ENVIRONMENT": "development"}),
    }
    processes = {
        name: subprocess.Popen([*command, "--port", str(free_port())], cwd=REPO_ROOT,
                               env=_clean_env(tmp_path, **values), stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
        for name, (command, values) in starts.items()}
    for name, process in processes.items():
        try:
            output, _ = process.communicate(timeout=120)
        finally:
            process.kill()
        assert process.returncode != 0, (name, output)
        assert "SIGMASIGHT_JWT_SECRET" in output, (name, output)
        assert "Uvicorn running" not in output, (name, output)
    assert not (tmp_path / "w.duckdb").exists()  # refused before any build


def test_development_on_loopback_is_allowed_with_a_loud_warning(caplog):
    development = Settings(environment="development")
    with caplog.at_level(logging.WARNING, logger="api.secret_guard"):
        check_signing_secret(development, "127.0.0.1")
        check_signing_secret(development, None)  # bind address unknown: checked per request
    assert sum("INSECURE" in record.getMessage() for record in caplog.records) == 2
    for host in ("0.0.0.0", "::", "192.0.2.10", "example.com"):
        with pytest.raises(InsecureSecretError, match="loopback"):
            check_signing_secret(development, host)
    with pytest.raises(InsecureSecretError, match="not set"):
        check_signing_secret(Settings(environment=None), "127.0.0.1")
    check_signing_secret(Settings(jwt_secret=PRODUCTION_SECRET), "0.0.0.0")  # own secret
    assert [is_loopback(h) for h in ("localhost", "127.0.0.2", "::1", "[::1]", "10.0.0.1")] \
        == [True, True, True, True, False]


def test_the_development_secret_answers_only_on_loopback(fresh_env):
    app = create_app(fresh_env.settings)
    remote = TestClient(app, base_url="http://192.0.2.10")  # accepted on a public address
    error = error_of(remote.get("/api/v1/health"), 503, "insecure_configuration")
    assert "loopback" in error["message"]
    assert TestClient(app, base_url="http://127.0.0.1").get("/api/v1/health").status_code == 200
    own = fresh_env.settings.model_copy(update={"jwt_secret": PRODUCTION_SECRET})
    public = TestClient(create_app(own), base_url="http://192.0.2.10")
    assert public.get("/api/v1/health").status_code == 200
