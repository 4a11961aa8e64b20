"""The login limiter against a real uvicorn server: forged X-Forwarded-For, rotating
unknown usernames, a trusted proxy; refused attempts cost no bcrypt.

The server is started with the project's uvicorn options (:func:`api.server.uvicorn_options`)
as ``api.demo`` does: X-Forwarded-For is trusted only from SIGMASIGHT_FORWARDED_ALLOW_IPS.
"""

from __future__ import annotations

import httpx

import api.routes.auth
from api.main import create_app
from api.security import LOGIN_MAX_FAILURES, LOGIN_MAX_FAILURES_PER_ADDRESS
from api.server import uvicorn_options
from tests.api.conftest import PASSWORDS
from tests.utils.live_server import serve

ATTEMPTS = 100


def _statuses(base_url: str, attempts: list[tuple[str, str, str]]) -> list[int]:
    """POST each (username, password, X-Forwarded-For) on one keep-alive client."""
    with httpx.Client(base_url=base_url, timeout=30) as client:
        return [client.post("/api/v1/auth/login", json={"username": user, "password": pw},
                            headers={"X-Forwarded-For": forwarded}).status_code
                for user, pw, forwarded in attempts]


def _counting_bcrypt(monkeypatch) -> list[int]:
    """Count the dummy bcrypt checks of unknown users (the real function still runs)."""
    calls = [0]
    real = api.routes.auth.burn_password_check

    def counted(password: str) -> None:
        calls[0] += 1
        real(password)

    monkeypatch.setattr(api.routes.auth, "burn_password_check", counted)
    return calls


def test_forged_forwarded_for_and_unknown_usernames_are_limited(fresh_env, monkeypatch):
    settings = fresh_env.settings
    assert settings.forwarded_allow_ips == ""  # the default: no proxy is trusted
    bcrypt_checks = _counting_bcrypt(monkeypatch)
    with serve(create_app(settings), **uvicorn_options(settings)) as base_url:
        rotating_xff = _statuses(base_url, [("demo_user_1", "wrong", f"198.51.100.{i}")
                                            for i in range(ATTEMPTS)])
        assert rotating_xff == [401] * LOGIN_MAX_FAILURES + \
            [429] * (ATTEMPTS - LOGIN_MAX_FAILURES)
        rotating_users = _statuses(base_url, [(f"nobody{i}", "x", f"203.0.113.{i}")
                                              for i in range(ATTEMPTS)])
        room = LOGIN_MAX_FAILURES_PER_ADDRESS - LOGIN_MAX_FAILURES  # same address as above
        assert rotating_users == [401] * room + [429] * (ATTEMPTS - room)
        assert bcrypt_checks[0] == room  # refused attempts never reach bcrypt
        # the right password of another user is refused too: the address is over its limit
        assert _statuses(base_url, [("demo_user_2", PASSWORDS["demo_user_2"], "")]) == [429]


def test_a_trusted_proxy_forwards_the_client_address(fresh_env):
    settings = fresh_env.settings.model_copy(update={"forwarded_allow_ips": "127.0.0.1"})
    with serve(create_app(settings), **uvicorn_options(settings)) as base_url:
        one_client = _statuses(base_url, [(f"nobody{i}", "x", "203.0.113.7")
                                          for i in range(LOGIN_MAX_FAILURES_PER_ADDRESS + 1)])
        assert one_client == [401] * LOGIN_MAX_FAILURES_PER_ADDRESS + [429]
        # another client behind the same proxy is not affected, and the proxy's own
        # entry appended after the client's is skipped (the right-most untrusted wins)
        assert _statuses(base_url, [("demo_user_1", PASSWORDS["demo_user_1"],
                                     "203.0.113.8, 127.0.0.1")]) == [200]
        # a user's limit holds whatever addresses the guesses come from
        guesses = _statuses(base_url, [("demo_user_2", "wrong", f"198.51.100.{i}")
                                       for i in range(LOGIN_MAX_FAILURES + 5)])
        assert guesses == [401] * LOGIN_MAX_FAILURES + [429] * 5
