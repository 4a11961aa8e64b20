"""WebSocket /ws — live per-user events: batch-run progress and "data changed".

Protocol (JSON text frames):

1. the client connects and sends, within 5 s, ``{"type": "auth", "token": "<JWT>"}`` —
   the token of ``POST /auth/login``, never in the URL;
2. a valid token is answered ``{"type": "ready", "user_id", "portfolio_id"}``; anything
   else (no message, not JSON, a tampered, expired or unknown user's token) is answered
   ``{"type": "error", "code": "unauthorized", "message"}`` and the socket is closed with
   code 4401;
3. the server then pushes ``{"type": "batch_run", "run": {...}}`` (the fields of
   ``GET /batch-runs/{id}``, without ``details``) for the runs of this user's portfolios
   or started by them, and ``{"type": "data_changed", "scope": "user" | "warehouse"}``
   when this user's data (book, tags) or the marts changed, and ``{"type": "resync"}``
   when events may have been lost (read the API again); the client may send
   ``{"type": "ping"}`` (answered ``{"type": "pong"}``);
4. when the token expires the server closes the socket with code 4401.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from jose import jwt
from starlette.concurrency import run_in_threadpool

from api.deps import SettingsDep, WarehouseDep
from api.live.hub import EventHub, Subscriber
from api.queries import users
from api.security import TokenError, decode_access_token
from ingest.config import Settings
from ingest.warehouse import Warehouse

router = APIRouter(tags=["live"])

AUTH_TIMEOUT_SECONDS = 5.0
CLOSE_UNAUTHORIZED = 4401  # private-use close code: authentication refused or expired


class Refused(Exception):
    """The first message did not authenticate a user."""


async def _authenticate(websocket: WebSocket, settings: Settings,
                        warehouse: Warehouse) -> tuple[dict[str, Any], float]:
    """The user row and the token's expiry (epoch seconds) from the first message."""
    try:
        text = await asyncio.wait_for(websocket.receive_text(), AUTH_TIMEOUT_SECONDS)
    except TimeoutError as error:
        raise Refused(f"no auth message within {AUTH_TIMEOUT_SECONDS:g} s") from error
    try:
        message = json.loads(text)
    except ValueError as error:
        raise Refused("the first message must be JSON") from error
    if not isinstance(message, dict) or message.get("type") != "auth" or \
            not isinstance(message.get("token"), str):
        raise Refused('the first message must be {"type": "auth", "token": ...}')
    try:
        user_id = decode_access_token(message["token"], settings)
    except TokenError as error:
        raise Refused(str(error)) from error
    user = await run_in_threadpool(users.user_by_id, warehouse, user_id)
    if user is None:
        raise Refused("the token's user no longer exists")
    return user, float(jwt.get_unverified_claims(message["token"])["exp"])


async def _pump(websocket: WebSocket, subscriber: Subscriber, expires: float) -> None:
    """Forward the subscriber's events and answer pings until the client leaves or the
    token expires."""

    async def receive() -> None:
        while True:
            try:
                message = json.loads(await websocket.receive_text())
            except ValueError:
                continue  # not JSON: ignored
            if isinstance(message, dict) and message.get("type") == "ping":
                await websocket.send_json({"type": "pong"})

    async def send() -> None:
        while True:
            event = await subscriber.queue.get()
            await websocket.send_json(event)

    tasks = [asyncio.create_task(receive()), asyncio.create_task(send())]
    try:
        done, _ = await asyncio.wait(tasks, timeout=max(0.0, expires - time.time()),
                                     return_when=asyncio.FIRST_COMPLETED)
        if not done:  # the token expired while connected
            await websocket.send_json({"type": "error", "code": "unauthorized",
                                       "message": "token has expired"})
            await websocket.close(CLOSE_UNAUTHORIZED, "token has expired")
        for task in done:
            error = task.exception()
            if error is not None and not isinstance(error, WebSocketDisconnect):
                raise error
    finally:
        for task in tasks:
            task.cancel()


@router.websocket("/ws")
async def live_updates(websocket: WebSocket, settings: SettingsDep,
                       warehouse: WarehouseDep) -> None:
    await websocket.accept()
    try:
        user, expires = await _authenticate(websocket, settings, warehouse)
    except Refused as refusal:
        await websocket.send_json({"type": "error", "code": "unauthorized",
                                   "message": str(refusal)})
        await websocket.close(CLOSE_UNAUTHORIZED, "unauthorized")
        return
    except WebSocketDisconnect:
        return
    hub: EventHub = websocket.app.state.event_hub
    subscriber = hub.subscribe(int(user["id"]))
    try:
        await websocket.send_json({"type": "ready", "user_id": int(user["id"]),
                                   "portfolio_id": user["portfolio_id"]})
        await _pump(websocket, subscriber, expires)
    except WebSocketDisconnect:
        pass
    finally:
        hub.unsubscribe(subscriber)
