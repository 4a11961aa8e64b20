"""Response cache of the read endpoints, keyed on the warehouse data version.

The marts change only when a batch completes, and a user's app data (book, tags) only
when that user writes; both bump a counter in ``app.data_version``
(:mod:`ingest.warehouse.data_version`). :class:`ResponseCacheMiddleware` serves ``GET`` on
:data:`CACHED_PATHS` like this:

1. the bearer token is decoded (HS256 check, cached per token with its ``exp``:
   :func:`api.security.decode_access_token`) — a missing or bad token goes to the app,
   which answers 401 as usual;
2. **one query** reads the user (as ``current_user`` needs it) and the two counters
   (warehouse, user) — before any data of the request is read (the result is remembered,
   exactly: on DuckDB for up to 100 ms, on PostgreSQL while the LISTEN/NOTIFY listener is
   connected, for up to 5 s: see :mod:`api.request_state`);
3. the key is ``(user id, portfolio id, path, normalised query)``: the portfolio is the
   ``portfolio_id`` parameter or the user's default portfolio, the query is the other
   parameters in order of name (the values of a repeated name keep their order). A
   stored entry with the same versions is sent as is (the JSON bytes the app rendered,
   with its headers, plus ``X-Cache: hit``);
4. otherwise the app handles the request (``current_user`` reuses the row read in
   step 2) and a ``200`` body is stored under the versions of step 2 (``X-Cache: miss``).

Only successful answers are stored, so an entry exists only for a request the app
authorised (its portfolio belonged to the user at that version; ownership changes are
writes that bump the user's counter). Entries are per user: no user is ever sent
another's body. The cache is per process, LRU, bounded in entries and bytes.
"""

from __future__ import annotations

import logging
import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

import anyio.to_thread
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api import API_PREFIX
from api.errors import error_response
from api.metrics import count_cache_lookup
from api.request_state import RequestState, current_state, remembered_state
from api.security import TokenError, decode_access_token
from ingest.config import Settings
from ingest.warehouse import ID_MAX, WarehouseBusyError, get_warehouse

log = logging.getLogger(__name__)

CACHED_PATHS = frozenset(f"{API_PREFIX}{path}" for path in (
    "/portfolio", "/portfolio/snapshots", "/positions",
    "/risk/greeks", "/risk/factors", "/risk/metrics", "/risk/exposures",
    "/risk/factor-model", "/risk/correlations", "/risk/concentration", "/risk/benchmark",
    "/risk/stress/scenarios",
))
STATE_KEY = "sigmasight_request_state"  # scope["state"][STATE_KEY] = (user_id, RequestState)
MAX_ENTRIES = 4096
MAX_BYTES = 128 * 1024 * 1024

Key = tuple[int, Any, str, tuple[tuple[str, str], ...]]
_CANONICAL_ID = re.compile(r"[1-9][0-9]{0,18}")  # ASCII digits only (not '²' or '٣')


@dataclass(frozen=True)
class Entry:
    versions: tuple[int, int]
    headers: tuple[tuple[bytes, bytes], ...]
    body: bytes


class ResponseCache:
    """LRU of rendered 200 responses; an entry is valid only for its versions."""

    def __init__(self, max_entries: int = MAX_ENTRIES, max_bytes: int = MAX_BYTES):
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._entries: OrderedDict[Key, Entry] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: Key, versions: tuple[int, int]) -> Entry | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry.versions != versions:
                self.misses += 1
                count_cache_lookup(hit=False)
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            count_cache_lookup(hit=True)
            return entry

    def put(self, key: Key, entry: Entry) -> None:
        if len(entry.body) > self.max_bytes // 8:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= len(old.body)
                if old.versions > entry.versions:  # a newer body landed first: keep it
                    self._entries[key] = old
                    self._bytes += len(old.body)
                    return
            self._entries[key] = entry
            self._bytes += len(entry.body)
            while self._entries and (len(self._entries) > self.max_entries
                                     or self._bytes > self.max_bytes):
                _, evicted = self._entries.popitem(last=False)
                self._bytes -= len(evicted.body)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    def __len__(self) -> int:
        return len(self._entries)


def bearer_token(scope: Scope) -> str | None:
    for name, value in scope.get("headers") or ():
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            token = token.strip()
            return token if scheme.lower() == "bearer" and token else None
    return None


def cache_key(scope: Scope, state: RequestState) -> Key | None:
    """``(user id, portfolio id, path, other parameters by name)``, or None when the
    ``portfolio_id`` parameter is not a valid id (the app validates it and answers 422:
    nothing is parsed here that the app would refuse)."""
    items = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
    portfolio: Any = state.user["portfolio_id"]
    explicit = [value for name, value in items if name == "portfolio_id"]
    if explicit:  # FastAPI reads the last one
        if not _CANONICAL_ID.fullmatch(explicit[-1]) or int(explicit[-1]) > ID_MAX:
            return None
        portfolio = int(explicit[-1])
    rest = tuple(sorted(((n, v) for n, v in items if n != "portfolio_id"),
                        key=lambda item: item[0]))  # stable: repeated names keep order
    return int(state.user["id"]), portfolio, scope["path"], rest


class ResponseCacheMiddleware:
    """Serve cached GET bodies of :data:`CACHED_PATHS` when the data versions match."""

    def __init__(self, app: ASGIApp, *, cache: ResponseCache,
                 settings: Callable[[], Settings], paths: frozenset[str] = CACHED_PATHS):
        self.app = app
        self.cache = cache
        self.settings = settings
        self.paths = paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET" or \
                scope["path"] not in self.paths:
            await self.app(scope, receive, send)
            return
        token = bearer_token(scope)
        if token is None:
            await self.app(scope, receive, send)
            return
        settings = self.settings()
        try:
            user_id = decode_access_token(token, settings)
        except TokenError:
            await self.app(scope, receive, send)  # the app answers the 401
            return
        warehouse = get_warehouse(settings)
        try:
            state = remembered_state(warehouse, user_id) or await anyio.to_thread.run_sync(
                current_state, warehouse, user_id)
        except WarehouseBusyError:
            response = error_response(
                503, "warehouse_busy", "the warehouse is busy (another process holds the "
                "DuckDB file); retry shortly", headers={"Retry-After": "5"})
            await response(scope, receive, send)
            return
        except Exception:  # e.g. tables not created yet: the app answers as it would
            log.debug("response cache bypassed", exc_info=True)
            await self.app(scope, receive, send)
            return
        if state is None:
            await self.app(scope, receive, send)  # the app answers the 401
            return
        scope.setdefault("state", {})[STATE_KEY] = (user_id, state)
        key = cache_key(scope, state)
        if key is None:
            await self.app(scope, receive, send)
            return
        entry = self.cache.get(key, state.versions)
        if entry is not None:
            await send({"type": "http.response.start", "status": 200,
                        "headers": [*entry.headers, (b"x-cache", b"hit")]})
            await send({"type": "http.response.body", "body": entry.body})
            return
        await self.app(scope, receive, self._storing_send(send, key, state.versions))

    def _storing_send(self, send: Send, key: Key, versions: tuple[int, int]) -> Send:
        headers: list[tuple[bytes, bytes]] | None = None
        chunks: list[bytes] = []

        async def storing_send(message: Message) -> None:
            nonlocal headers
            if message["type"] == "http.response.start":
                if message["status"] == 200:
                    headers = list(message.get("headers") or ())
                message = {**message, "headers": [*(message.get("headers") or ()),
                                                  (b"x-cache", b"miss")]}
            elif message["type"] == "http.response.body" and headers is not None:
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    self.cache.put(key, Entry(versions, tuple(headers), b"".join(chunks)))
            await send(message)

        return storing_send
