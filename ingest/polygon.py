"""Polygon.io daily aggregates: a :class:`~ingest.providers.PriceProvider` over httpx.

Endpoint (one call per symbol, then ``next_url`` pages)::

    GET {base}/v2/aggs/ticker/{ticker}/range/1/day/{from}/{to}
        ?adjusted=true&sort=asc&limit=50000

The API key goes both in the ``Authorization: Bearer`` header and, for ``next_url``
pages (which Polygon returns without it), as the ``apiKey`` query parameter. A
``next_url`` pointing at another host is refused, so the key is never sent elsewhere.

Result fields map as ``o,h,l,c,v,vw,n`` → ``open, high, low, close, volume, vwap,
trades``; ``t`` (Unix ms of the bar's start) → ``price_date``, the session date in
America/New_York. Options are requested as ``O:`` + compact OCC symbol, and rows
carry the symbol as the warehouse stores it.

Failure handling, per symbol (one bad symbol never aborts the others):

========================================  ==========================================
answer                                    outcome
========================================  ==========================================
429                                       retry after ``Retry-After`` (or backoff)
5xx, timeout, connection error            retry with backoff (``Retry-After`` if sent)
200 with malformed JSON                   retry with backoff
404, ``status: NOT_FOUND``                failed: unknown ticker (no retry)
``resultsCount: 0`` / no ``results``      failed: no data in the range (no retry)
401 / 403 / other 4xx, ``status: ERROR``  failed with Polygon's message (no retry)
========================================  ==========================================

Retries are bounded by ``settings.polygon_max_retries``; after the last one the
symbol is failed with the last reason. Every HTTP request (retries and pages
included) takes a token from the rate limiter first.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import threading
from collections.abc import Iterable
from dataclasses import dataclass

import httpx
import pandas as pd

from ingest.calendar import NEW_YORK
from ingest.config import Settings
from ingest.metrics import count_market_data_request
from ingest.occ import OccSymbolError, is_option_symbol, parse_occ
from ingest.providers import BAR_COLUMNS as _BAR_COLUMNS
from ingest.providers import BarsResult
from ingest.rate_limit import (
    Clock,
    Priority,
    SystemClock,
    TokenBucket,
    backoff_delay,
    parse_retry_after,
    shared_bucket,
)

BAR_COLUMNS = list(_BAR_COLUMNS)
_FIELDS = {"o": "open", "h": "high", "l": "low", "c": "close", "v": "volume", "vw": "vwap",
           "n": "trades"}
OK_STATUSES = frozenset({"OK", "DELAYED"})


class SymbolFetchError(Exception):
    """A symbol could not be fetched; ``reason`` is what gets recorded for it."""

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


def polygon_ticker(symbol: str) -> str:
    """Polygon's ticker for a warehouse symbol: ``O:`` + compact OCC for options."""
    if is_option_symbol(symbol):
        return parse_occ(symbol).polygon_ticker
    return symbol


def bar_date(epoch_ms: float) -> dt.date:
    """The America/New_York session date of a Polygon bar timestamp (Unix ms)."""
    return dt.datetime.fromtimestamp(epoch_ms / 1000.0, tz=dt.UTC).astimezone(NEW_YORK).date()


def results_to_frame(symbol: str, results: Iterable[dict], start: dt.date,
                     end: dt.date) -> pd.DataFrame:
    """Polygon ``results`` rows → bar rows of ``symbol`` within [start, end]."""
    rows = []
    for result in results:
        if result.get("t") is None or result.get("c") is None:
            continue
        row = {"symbol": symbol, "price_date": bar_date(result["t"])}
        row.update({name: result.get(key) for key, name in _FIELDS.items()})
        row["source"] = "polygon"
        rows.append(row)
    frame = pd.DataFrame(rows, columns=BAR_COLUMNS)
    if frame.empty:
        return frame
    frame = frame[(frame["price_date"] >= start) & (frame["price_date"] <= end)]
    frame = frame.drop_duplicates(["symbol", "price_date"], keep="last")
    frame["trades"] = frame["trades"].astype("Int64")
    for column in ("open", "high", "low", "close", "volume", "vwap"):
        frame[column] = frame[column].astype("float64")
    return frame.sort_values("price_date").reset_index(drop=True)


class PolygonProvider:
    """Daily bars from Polygon.io (or any server speaking its wire format).

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

    name = "polygon"

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
        rate = rate_per_minute if rate_per_minute is not None else (
            settings.polygon_requests_per_minute if settings else 5.0)
        self.timeout = timeout if timeout is not None else (
            settings.polygon_timeout_seconds if settings else 10.0)
        self.max_retries = max_retries if max_retries is not None else (
            settings.polygon_max_retries if settings else 5)
        self.limiter = limiter or shared_bucket(f"polygon|{self.base_url}|{self.api_key}", rate)
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

    def __enter__(self) -> PolygonProvider:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- PriceProvider -------------------------------------------------------------
    def daily_bars(self, symbols: Iterable[str], start: dt.date, end: dt.date, *,
                   priority: Priority | None = None) -> BarsResult:
        """Bars of every symbol in [start, end]; failures are per symbol in ``errors``."""
        frames: list[pd.DataFrame] = []
        errors: dict[str, str] = {}
        for symbol in dict.fromkeys(symbols):
            try:
                frames.append(self.fetch_symbol(symbol, start, end, priority=priority))
            except SymbolFetchError as error:
                errors[symbol] = error.reason
        frames = [frame for frame in frames if not frame.empty]
        bars = (pd.concat(frames, ignore_index=True) if frames
                else pd.DataFrame(columns=BAR_COLUMNS))
        return BarsResult(bars=bars, errors=errors)

    def fetch_symbol(self, symbol: str, start: dt.date, end: dt.date, *,
                     priority: Priority | None = None) -> pd.DataFrame:
        """All pages of one symbol's bars; raises :class:`SymbolFetchError`."""
        try:
            ticker = polygon_ticker(symbol)
        except OccSymbolError as error:
            raise SymbolFetchError(f"malformed option symbol: {error}") from None
        url: str | None = (f"{self.base_url}/v2/aggs/ticker/{ticker}/range/1/day/"
               f"{start.isoformat()}/{end.isoformat()}")
        params: dict[str, str] | None = {"adjusted": "true", "sort": "asc", "limit": "50000"}
        results: list[dict] = []
        first = True
        pages = 0
        while url:
            payload = self._get_json(url, params, priority or self.priority)
            pages += 1
            status = str(payload.get("status", "")).upper()
            if status == "NOT_FOUND":
                raise SymbolFetchError(f"unknown ticker {ticker} (Polygon status NOT_FOUND)")
            if status not in OK_STATUSES:
                message = payload.get("error") or payload.get("message") or "no message"
                raise SymbolFetchError(f"Polygon status {status or 'missing'}: {message}")
            page = payload.get("results") or []
            if first and not page and not payload.get("next_url"):
                raise SymbolFetchError(
                    f"no data for {ticker} {start.isoformat()}..{end.isoformat()} "
                    f"(resultsCount {payload.get('resultsCount', 0)}): unknown or not traded"
                )
            first = False
            results.extend(page)
            url, params = self._next_page(payload.get("next_url")), None
            if pages > 10_000:
                raise SymbolFetchError("pagination did not end after 10000 pages")
        frame = results_to_frame(symbol, results, start, end)
        if frame.empty:
            raise SymbolFetchError(f"no bars for {ticker} within {start}..{end}")
        return frame

    # -- HTTP ------------------------------------------------------------------------
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

    def _get_json(self, url: str, params: dict | None, priority: Priority) -> dict:
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
            count_market_data_request(self.name, None)
            return _Attempt(reason=f"timeout after {self.timeout:g}s ({type(error).__name__})",
                            retryable=True)
        except httpx.TransportError as error:
            count_market_data_request(self.name, None)
            return _Attempt(reason=f"connection error: {type(error).__name__}: {error}",
                            retryable=True)
        code = response.status_code
        count_market_data_request(self.name, code)
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
