"""WebSocket /api/v1/ws: the first message authenticates; bad tokens are refused.

A real uvicorn server on loopback and a real WebSocket client (``websockets``), on an
empty warehouse of each kind with the demo users.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from api.main import create_app
from api.routes.ws import CLOSE_UNAUTHORIZED
from api.security import create_access_token
from tests.utils.live_server import serve


@pytest.fixture
def ws_url(fresh_env) -> Iterator[str]:
    with serve(create_app(fresh_env.settings)) as base_url:
        yield base_url.replace("http://", "ws://") + "/api/v1/ws"


def _refusal(url: str, first_message: str) -> tuple[dict, int]:
    """Send ``first_message``; the error event and the close code that follow."""
    with connect(url, open_timeout=10) as ws:
        ws.send(first_message)
        event = json.loads(ws.recv(timeout=10))
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=10)
    return event, closed.value.rcvd.code


def test_a_valid_token_is_answered_ready_and_pings_pong(fresh_env, ws_url):
    with connect(ws_url, open_timeout=10) as ws:
        ws.send(json.dumps({"type": "auth", "token": fresh_env.tokens["demo_user_2"]}))
        ready = json.loads(ws.recv(timeout=10))
        assert ready == {"type": "ready", "user_id": fresh_env.users["demo_user_2"],
                         "portfolio_id": ready["portfolio_id"]}
        ws.send(json.dumps({"type": "ping"}))
        assert json.loads(ws.recv(timeout=10)) == {"type": "pong"}


def test_a_tampered_token_is_refused(fresh_env, ws_url):
    token = fresh_env.tokens["demo_user_1"]
    header, claims, signature = token.split(".")
    forged_claims = claims[:-2] + ("AA" if claims[-2:] != "AA" else "AB")  # another payload
    resigned = signature[:-3] + ("xyz" if signature[-3:] != "xyz" else "abc")
    for bad in (f"{header}.{forged_claims}.{signature}", f"{header}.{claims}.{resigned}",
                "not-a-jwt"):
        event, code = _refusal(ws_url, json.dumps({"type": "auth", "token": bad}))
        assert code == CLOSE_UNAUTHORIZED
        assert event["type"] == "error"
        assert event["code"] == "unauthorized"


def test_an_expired_token_is_refused(fresh_env, ws_url):
    issued = dt.datetime.now(dt.UTC) - dt.timedelta(hours=fresh_env.settings.jwt_expiry_hours,
                                                    seconds=5)
    expired = create_access_token(fresh_env.users["demo_user_1"], fresh_env.settings,
                                  now=issued).token
    event, code = _refusal(ws_url, json.dumps({"type": "auth", "token": expired}))
    assert code == CLOSE_UNAUTHORIZED
    assert "expired" in event["message"]


def test_the_token_must_come_in_the_first_message_not_the_url(fresh_env, ws_url):
    token = fresh_env.tokens["demo_user_1"]
    with connect(f"{ws_url}?token={token}", open_timeout=10,
                 additional_headers={"Authorization": f"Bearer {token}"}) as ws:
        ws.send(json.dumps({"type": "ping"}))  # not an auth message: refused
        event = json.loads(ws.recv(timeout=10))
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=10)
    assert event["code"] == "unauthorized"
    assert closed.value.rcvd.code == CLOSE_UNAUTHORIZED
    event, code = _refusal(ws_url, "{not json")
    assert code == CLOSE_UNAUTHORIZED


def test_the_socket_closes_when_its_token_expires(fresh_env, ws_url):
    lifetime = dt.timedelta(hours=fresh_env.settings.jwt_expiry_hours)
    issued = dt.datetime.now(dt.UTC) - lifetime + dt.timedelta(seconds=2)  # 2 s left
    token = create_access_token(fresh_env.users["demo_user_1"], fresh_env.settings,
                                now=issued).token
    with connect(ws_url, open_timeout=10) as ws:
        ws.send(json.dumps({"type": "auth", "token": token}))
        assert json.loads(ws.recv(timeout=10))["type"] == "ready"
        event = json.loads(ws.recv(timeout=10))
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=10)
    assert event == {"type": "error", "code": "unauthorized", "message": "token has expired"}
    assert closed.value.rcvd.code == CLOSE_UNAUTHORIZED
