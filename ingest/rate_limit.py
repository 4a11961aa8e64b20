"""Request pacing for market-data APIs: a priority token bucket and retry backoff.

Token bucket
    ``rate_per_minute`` tokens are added per minute, continuously, up to ``burst``
    tokens. Every HTTP request takes one token. The default burst is **1**, which
    spaces requests evenly (``60 / rate`` seconds apart) so that *no* sliding
    60-second window ever holds more than ``rate`` requests — Polygon's free tier
    counts 5 calls per rolling minute, and a bucket that starts full with 5 tokens
    would allow 9 calls in the first minute. A larger burst is allowed when the
    plan tolerates it.

Priorities
    ``realtime`` > ``batch`` > ``backfill``. Waiting requests queue by (priority,
    arrival); the next token always goes to the head of that queue, so a realtime
    request that arrives while a backfill is waiting is served first. Thread-safe.

Backoff
    ``min(2 * 2**attempt, 300) + uniform(0, 1)`` seconds for retry ``attempt``
    (0-based), unless the server sent ``Retry-After`` (seconds or an HTTP date),
    which is honoured as is.

Time is injectable (:class:`Clock`) so tests never sleep for real minutes.
"""

from __future__ import annotations

import datetime as dt
import heapq
import itertools
import math
import random
import threading
import time
from email.utils import parsedate_to_datetime
from typing import Literal, Protocol

Priority = Literal["realtime", "batch", "backfill"]
PRIORITIES: dict[str, int] = {"realtime": 0, "batch": 1, "backfill": 2}
MAX_BACKOFF_SECONDS = 300.0


class Clock(Protocol):
    """Time source of the limiter and the retry loop."""

    def monotonic(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...

    def wait(self, condition: threading.Condition, timeout: float | None) -> None:
        """Wait on ``condition`` (held by the caller) for at most ``timeout`` seconds."""
        ...


class SystemClock:
    """Real time: ``time.monotonic``, ``time.sleep`` and ``Condition.wait``."""

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)

    def wait(self, condition: threading.Condition, timeout: float | None) -> None:
        condition.wait(timeout)


class FakeClock:
    """Virtual time for tests: sleeping and waiting advance the clock instantly.

    ``sleeps`` records every requested sleep/wait, so a test can assert the
    backoff schedule without spending it.
    """

    def __init__(self, start: float = 0.0):
        self.now = start
        self.sleeps: list[float] = []
        self._lock = threading.Lock()

    def monotonic(self) -> float:
        with self._lock:
            return self.now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self.now += max(seconds, 0.0)

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.advance(seconds)

    def wait(self, condition: threading.Condition, timeout: float | None) -> None:
        if timeout is not None:
            self.sleeps.append(timeout)
            self.advance(timeout)
        condition.wait(0.001)  # let other threads at the condition


class TokenBucket:
    """A thread-safe token bucket whose tokens go to the highest-priority waiter.

    Parameters
    ----------
    rate_per_minute : float
        Sustained rate; ``math.inf`` (or ``<= 0``) disables limiting.
    burst : float
        Bucket capacity (tokens available at once). The bucket starts full.
    clock : Clock, optional
        Time source; :class:`SystemClock` by default.
    """

    def __init__(self, rate_per_minute: float, burst: float = 1.0, clock: Clock | None = None):
        self.rate_per_minute = rate_per_minute
        self.unlimited = not (0 < rate_per_minute < math.inf)
        self.burst = max(float(burst), 1.0)
        self.clock: Clock = clock or SystemClock()
        self._per_second = 0.0 if self.unlimited else rate_per_minute / 60.0
        self._tokens = self.burst
        self._updated = self.clock.monotonic()
        self._condition = threading.Condition()
        self._queue: list[tuple[int, int]] = []  # (priority rank, ticket)
        self._tickets = itertools.count()
        self.granted: dict[str, int] = dict.fromkeys(PRIORITIES, 0)

    @property
    def waiting(self) -> int:
        """Number of requests currently queued for a token."""
        with self._condition:
            return len(self._queue)

    def _refill(self) -> None:
        now = self.clock.monotonic()
        if now > self._updated:
            self._tokens = min(self.burst, self._tokens + (now - self._updated) * self._per_second)
        self._updated = now

    def acquire(self, priority: Priority = "batch") -> float:
        """Block until a token is granted to this request; returns the seconds waited."""
        if priority not in PRIORITIES:
            raise ValueError(f"unknown priority {priority!r}; use one of {list(PRIORITIES)}")
        started = self.clock.monotonic()
        if self.unlimited:
            with self._condition:
                self.granted[priority] += 1
            return 0.0
        with self._condition:
            entry = (PRIORITIES[priority], next(self._tickets))
            heapq.heappush(self._queue, entry)
            try:
                while True:
                    self._refill()
                    if self._queue[0] == entry and self._tokens >= 1.0:
                        heapq.heappop(self._queue)
                        self._tokens -= 1.0
                        self.granted[priority] += 1
                        self._condition.notify_all()
                        return self.clock.monotonic() - started
                    if self._queue[0] == entry:
                        timeout = (1.0 - self._tokens) / self._per_second
                    else:
                        timeout = None  # woken when the head is served or leaves
                    self.clock.wait(self._condition, timeout)
            except BaseException:
                if entry in self._queue:
                    self._queue.remove(entry)
                    heapq.heapify(self._queue)
                    self._condition.notify_all()
                raise


_SHARED: dict[tuple, TokenBucket] = {}
_SHARED_LOCK = threading.Lock()


def shared_bucket(key: str, rate_per_minute: float, burst: float = 1.0) -> TokenBucket:
    """The process-wide bucket for one API account (``key``, e.g. base URL + API key).

    Every client of the same account shares it, so the rate holds across threads and
    flows. A new bucket is made when the configured rate changes.
    """
    with _SHARED_LOCK:
        bucket_key = (key, rate_per_minute, burst)
        bucket = _SHARED.get(bucket_key)
        if bucket is None:
            bucket = _SHARED[bucket_key] = TokenBucket(rate_per_minute, burst)
        return bucket


def backoff_delay(attempt: int, rng: random.Random | None = None) -> float:
    """Seconds before retry ``attempt`` (0-based): ``min(2 * 2**attempt, 300) + U(0, 1)``."""
    jitter = rng.uniform(0.0, 1.0) if rng is not None else random.uniform(0.0, 1.0)
    return min(2.0 * 2.0 ** attempt, MAX_BACKOFF_SECONDS) + jitter


def parse_retry_after(value: str | None, now: dt.datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP date).

    Returns ``None`` when the header is absent or unparseable, ``0`` for a date in
    the past. The wait is capped at :data:`MAX_BACKOFF_SECONDS`.
    """
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        if when is None:
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=dt.UTC)
        now = now or dt.datetime.now(dt.UTC)
        seconds = (when - now).total_seconds()
    if math.isnan(seconds):
        return None
    return min(max(seconds, 0.0), MAX_BACKOFF_SECONDS)
