"""Login, tokens (HS256 only, expiry, tampering) and the failed-login limit."""

from __future__ import annotations

import base64
import datetime as dt
import json

import pytest
from fastapi.testclient import TestClient
from jose import jwt

from api.main import create_app
from api.security import (
    LoginRateLimiter,
    create_access_token,
    decode_access_token,
    hash_password,
    verify_password,
)
from tests.api.conftest import error_of, login, ok_data


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_password_hashes_are_bcrypt_and_verify():
    hashed = hash_password("s3cret", rounds=4)
    assert hashed.startswith("$2b$04$")
    assert verify_password("s3cret", hashed)
    assert not verify_password("S3cret", hashed)
    assert not verify_password("s3cret", "not-a-hash")
    assert hash_password("s3cret", rounds=4) != hashed  # salted


def test_login_returns_hs256_token_for_24h(fresh_env):
    response = login(fresh_env.client, "demo_user_1")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"token", "expires_in", "portfolio_id"}
    assert body["expires_in"] == 24 * 3600 == fresh_env.settings.jwt_expiry_hours * 3600
    header = jwt.get_unverified_header(body["token"])
    assert header["alg"] == "HS256"
    claims = jwt.decode(body["token"], fresh_env.settings.jwt_secret, algorithms=["HS256"])
    assert claims["sub"] == str(fresh_env.users["demo_user_1"])
    assert claims["exp"] - claims["iat"] == 24 * 3600
    portfolio = fresh_env.rows("select min(id) as id from app.portfolios where user_id = :u",
                               {"u": fresh_env.users["demo_user_1"]})[0]["id"]
    assert body["portfolio_id"] == portfolio
    admin = login(fresh_env.client, "demo_admin").json()
    assert admin["portfolio_id"] is None


def test_wrong_password_and_unknown_user_are_401_with_the_same_message(fresh_env):
    wrong = error_of(login(fresh_env.client, "demo_user_1", "nope"), 401, "unauthorized")
    unknown = error_of(login(fresh_env.client, "nobody", "demo123"), 401, "unauthorized")
    assert wrong["message"] == unknown["message"] == "invalid username or password"
    error_of(fresh_env.client.post("/api/v1/auth/login", json={"username": "x"}), 422,
             "validation_error")


@pytest.mark.parametrize("path", ["/api/v1/portfolio", "/api/v1/positions", "/api/v1/tags"])
def test_missing_token_is_401(fresh_env, path):
    response = fresh_env.client.get(path)
    error = error_of(response, 401, "unauthorized")
    assert "Bearer" in error["message"]
    assert response.headers["www-authenticate"] == "Bearer"


def _refused(env, token: str, needle: str) -> None:
    response = env.client.get("/api/v1/tags", headers={"Authorization": f"Bearer {token}"})
    error = error_of(response, 401, "unauthorized")
    assert needle in error["message"], error


def test_expired_token_is_refused(fresh_env):
    issued = dt.datetime.now(dt.UTC) - dt.timedelta(hours=25)
    token = create_access_token(fresh_env.users["demo_user_1"], fresh_env.settings,
                                now=issued).token
    _refused(fresh_env, token, "expired")


def test_tampered_token_is_refused(fresh_env):
    token = fresh_env.tokens["demo_user_1"]
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["sub"] = str(fresh_env.users["demo_admin"])  # try to become the admin
    forged = ".".join([header, _b64(claims), signature])
    _refused(fresh_env, forged, "signature")
    flipped = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]
    _refused(fresh_env, flipped, "signature")
    _refused(fresh_env, "not.a.jwt", "malformed")


def test_token_signed_with_another_secret_is_refused(fresh_env):
    now = int(dt.datetime.now(dt.UTC).timestamp())
    token = jwt.encode({"sub": str(fresh_env.users["demo_admin"]), "iat": now,
                        "exp": now + 3600}, "another-secret", algorithm="HS256")
    _refused(fresh_env, token, "signature")


def test_alg_none_and_other_algorithms_are_refused(fresh_env):
    now = int(dt.datetime.now(dt.UTC).timestamp())
    claims = {"sub": str(fresh_env.users["demo_admin"]), "iat": now, "exp": now + 3600}
    unsigned = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}."
    _refused(fresh_env, unsigned, "'none' is not accepted")
    hs512 = jwt.encode(claims, fresh_env.settings.jwt_secret, algorithm="HS512")
    _refused(fresh_env, hs512, "'HS512' is not accepted")


def test_token_without_exp_is_refused(fresh_env):
    token = jwt.encode({"sub": str(fresh_env.users["demo_user_1"]), "iat": 1},
                       fresh_env.settings.jwt_secret, algorithm="HS256")
    _refused(fresh_env, token, "invalid")


def test_token_of_a_deleted_user_is_refused(fresh_env):
    token = create_access_token(999_999, fresh_env.settings).token
    _refused(fresh_env, token, "no longer exists")


def test_decode_round_trip(fresh_env):
    token = create_access_token(42, fresh_env.settings).token
    assert decode_access_token(token, fresh_env.settings) == 42


def test_eleventh_failed_login_in_a_minute_is_refused_even_with_the_right_password(fresh_env):
    client = TestClient(create_app(fresh_env.settings))  # a fresh limiter
    for _ in range(10):
        error_of(login(client, "demo_user_1", "wrong"), 401)
    response = login(client, "demo_user_1")  # right password, 11th attempt
    error = error_of(response, 429, "too_many_requests")
    assert int(response.headers["retry-after"]) >= 1
    assert error["details"]["retry_after_seconds"] >= 1
    # another user (same IP) is not affected
    assert login(client, "demo_user_2").status_code == 200


def test_login_limit_is_a_sliding_window(fresh_env):
    app = create_app(fresh_env.settings)
    now = [1000.0]
    app.state.login_limiter = LoginRateLimiter(clock=lambda: now[0])
    client = TestClient(app)
    for second in range(10):
        now[0] = 1000.0 + second
        error_of(login(client, "demo_user_1", "wrong"), 401)
    now[0] = 1059.5  # 10 failures in the last 60 s
    error_of(login(client, "demo_user_1"), 429)
    now[0] = 1060.5  # the first failure has left the window
    assert login(client, "demo_user_1").status_code == 200
    now[0] = 1060.6  # a success does not count, the 9 others still do; one more failure
    error_of(login(client, "demo_user_1", "wrong"), 401)
    error_of(login(client, "demo_user_1"), 429)


def test_limiter_windows_per_username_and_per_address():
    now = [0.0]
    limiter = LoginRateLimiter(max_failures=2, window_seconds=60, clock=lambda: now[0],
                               max_failures_per_address=3)
    assert limiter.attempt("Alice", "1.2.3.4") is None
    assert limiter.attempt(" alice ", "5.6.7.8") is None  # same user, another address
    assert limiter.attempt("ALICE", "9.9.9.9") == pytest.approx(60.0)  # per user, any address
    assert limiter.attempt("bob", "1.2.3.4") is None  # refusals do not count: room for 3
    assert limiter.attempt("dave", "1.2.3.4") is None
    assert limiter.attempt("carol", "1.2.3.4") == pytest.approx(60.0)  # per address
    assert limiter.attempt("carol", "4.3.2.1") is None
    limiter.succeeded("carol", "4.3.2.1")  # a success is taken back: two more failures
    assert limiter.attempt("carol", "4.3.2.1") is None
    assert limiter.attempt("carol", "4.3.2.1") is None
    assert limiter.attempt("carol", "4.3.2.1") == pytest.approx(60.0)
    now[0] = 30.0
    assert limiter.attempt("alice", "7.7.7.7") == pytest.approx(30.0)
    now[0] = 60.0  # the first two failures left the window
    assert limiter.attempt("alice", "7.7.7.7") is None


def test_me_data_is_enveloped(fresh_env):
    data = ok_data(fresh_env.client.get("/api/v1/tags", headers=fresh_env.headers("demo_user_1")))
    assert data == []
