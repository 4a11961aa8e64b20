"""The HTTP side of every Polygon.io client: auth, rate limit, retries, pagination.

The API key goes both in the ``Authorization: Bearer`` header and, for ``next_url``
pages (which Polygon returns without it), as the ``apiKey`` query parameter. A
``next_url`` pointing at another host is refused, so the key is never sent elsewhere.

Failure handling, per request (the callers turn a failure into a per-symbol error):

========================================  ==========================================
answer                                    outcome
========================================  ==========================================
429                                       retry after ``Retry-After`` (or backoff)
5xx, timeout, connection error            retry with backoff (``Retry-After`` if sent)
200 with malformed JSON                   retry with backoff
404                                       failed: unknown ticker (no retry)
401 / 403 / other 4xx                     failed with Polygon's message (no retry)
========================================  ==========================================

Retries are bounded by ``settings.polygon_max_retries``; after the last one the
request fails with the last reason. Every HTTP request (retries and pages included)
takes a token from the rate limiter first.
"""

from __future__ import annotations

import json
import random
import threading
from dataclasses import dataclass

import httpx

from ingest.config import Settings
from ingest.metrics import count_market_data_request
from ingest.rate_limit import (
    Clock,
    Priority,
    SystemClock,
    TokenBucket,
    backoff_delay,
    parse_retry_after,
    shared_bucket,
)

OK_STATUSES = frozenset({"OK", "DELAYED"})
MAX_PAGES = 10_000


class SymbolFetchError(Exception):
    """A request could not be answered; ``reason`` is what gets recorded for it."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass
class _Attempt:
    """Outcome of one HTTP request: a JSON payload, or a (retryable?) failure."""

    payload: dict | None = None
    reason: str | None = None
    retryable: bool = False
    retry_after: float | None = None


class PolygonHttp:
    """An authenticated, rate-limited, retrying JSON client of a Polygon-compatible server.

    Parameters
    ----------
    settings : Settings, optional
        Supplies ``polygon_base_url``, ``polygon_api_key``,
        ``polygon_requests_per_minute``, ``polygon_timeout_seconds`` and
        ``polygon_max_retries``; each can be overridden by the keyword of the same
        meaning below.
    limiter : TokenBucket, optional
        Defaults to the process-wide bucket of this base URL + key at the configured
        rate, so concurrent clients of one account share the budget.
    clock : Clock, optional
        Used for backoff sleeps (inject :class:`~ingest.rate_limit.FakeClock` in tests).
    priority : {'realtime', 'batch', 'backfill'}
        Default priority of this client's requests.
    rng : random.Random, optional
        Jitter source of the backoff.
    """

    def __init__(self, settings: Settings | None = None, *, base_url: str | None = None,
                 api_key: str | None = None, limiter: TokenBucket | None = None,
                 rate_per_minute: float | None = None, timeout: float | None = None,
                 max_retries: int | None = None, clock: Clock | None = None,
                 priority: Priority = "batch", rng: random.Random | None = None,
                 transport: httpx.BaseTransport | None = None):
        self.base_url = (base_url or (settings.polygon_base_url if settings else "")).rstrip("/")
        self.api_key = api_key if api_key is not None else (
            settings.polygon_api_key if settings else "")
        if not self.base_url:
            raise ValueError("PolygonProvider needs a base_url (settings.polygon_base_url)")
        if not self.api_key:
            raise ValueError("PolygonProvider needs an API key (settings.polygon_api_key)")
        self.rate_per_minute = rate_per_minute if rate_per_minute is not None else (
            settings.polygon_requests_per_minute if settings else 5.0)
        self.timeout = timeout if timeout is not None else (
            settings.polygon_timeout_seconds if settings else 10.0)
        self.max_retries = max_retries if max_retries is not None else (
            settings.polygon_max_retries if settings else 5)
        self.limiter = limiter or shared_bucket(f"polygon|{self.base_url}|{self.api_key}",
                                                self.rate_per_minute)
        self.clock: Clock = clock or SystemClock()
        self.priority: Priority = priority
        self.rng = rng or random.Random()
        self._client = httpx.Client(
            timeout=httpx.Timeout(self.timeout, connect=min(self.timeout, 5.0)),
            headers={"Authorization": f"Bearer {self.api_key}",
                     "User-Agent": "sigmasight/0.1"},
            transport=transport,
            follow_redirects=False,
        )
        self._lock = threading.Lock()
        self.requests_made = 0

    def close(self) -> None:
        self._client.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def pages(self, url: str, params: dict[str, str] | None,
              priority: Priority | None = None, *, not_found: str = "not found"):
        """Yield the payload of ``url`` and of every ``next_url`` page after it.

        Raises :class:`SymbolFetchError` on a failed request or a status other than
        ``OK`` / ``DELAYED`` (``NOT_FOUND``: ``not_found`` is the reason).
        """
        next_url: str | None = url
        count = 0
        while next_url:
            payload = self.get_json(next_url, params, priority or self.priority)
            count += 1
            status = str(payload.get("status", "")).upper()
            if status == "NOT_FOUND":
                raise SymbolFetchError(f"{not_found} (Polygon status NOT_FOUND)")
            if status not in OK_STATUSES:
                message = payload.get("error") or payload.get("message") or "no message"
                raise SymbolFetchError(f"Polygon status {status or 'missing'}: {message}")
            yield payload
            next_url, params = self._next_page(payload.get("next_url")), None
            if count > MAX_PAGES:
                raise SymbolFetchError(f"pagination did not end after {MAX_PAGES} pages")

    def _next_page(self, next_url: str | None) -> str | None:
        if not next_url:
            return None
        url = httpx.URL(next_url)
        base = httpx.URL(self.base_url)
        if (url.scheme, url.host, url.port) != (base.scheme, base.host, base.port):
            raise SymbolFetchError(f"refusing next_url on another host: {url.host}")
        if "apiKey" not in url.params:
            url = url.copy_merge_params({"apiKey": self.api_key})
        return str(url)

    def get_json(self, url: str, params: dict | None, priority: Priority) -> dict:
        """GET with rate limiting and bounded retries; returns the decoded payload."""
        attempt = 0
        while True:
            self.limiter.acquire(priority)
            outcome = self._request(url, params)
            if outcome.payload is not None:
                return outcome.payload
            if not outcome.retryable:
                raise SymbolFetchError(outcome.reason or "request failed")
            if attempt >= self.max_retries:
                raise SymbolFetchError(
                    f"{outcome.reason} (gave up after {attempt + 1} attempts)")
            delay = (outcome.retry_after if outcome.retry_after is not None
                     else backoff_delay(attempt, self.rng))
            self.clock.sleep(delay)
            attempt += 1

    def _request(self, url: str, params: dict | None) -> _Attempt:
        with self._lock:
            self.requests_made += 1
        try:
            response = self._client.get(url, params=params)
        except httpx.TimeoutException as error:
            count_market_data_request("polygon", None)
            return _Attempt(reason=f"timeout after {self.timeout:g}s ({type(error).__name__})",
                            retryable=True)
        except httpx.TransportError as error:
            count_market_data_request("polygon", None)
            return _Attempt(reason=f"connection error: {type(error).__name__}: {error}",
                            retryable=True)
        code = response.status_code
        count_market_data_request("polygon", code)
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        if code == 429:
            return _Attempt(reason="rate limited by Polygon (HTTP 429)", retryable=True,
                            retry_after=retry_after)
        if code >= 500:
            return _Attempt(reason=f"Polygon server error (HTTP {code})", retryable=True,
                            retry_after=retry_after)
        try:
            payload = response.json()
        except (json.JSONDecodeError, UnicodeDecodeError, ValueError):
            if code == 200:
                return _Attempt(reason="malformed JSON from Polygon (HTTP 200)", retryable=True)
            payload = {}
        if not isinstance(payload, dict):
            if code == 200:
                return _Attempt(reason="malformed JSON from Polygon (not an object)",
                                retryable=True)
            payload = {}
        if code == 200:
            return _Attempt(payload=payload)
        message = payload.get("error") or payload.get("message") or response.reason_phrase
        if code == 404:
            return _Attempt(reason=f"unknown ticker (HTTP 404: {message})")
        if code in (401, 403):
            return _Attempt(reason=f"not authorised by Polygon (HTTP {code}: {message})")
        return _Attempt(reason=f"Polygon refused the request (HTTP {code}: {message})")
