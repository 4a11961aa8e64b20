"""Token bucket, priorities and backoff of ingest.rate_limit."""

from __future__ import annotations

import datetime as dt
import math
import random
import threading
import time
from email.utils import format_datetime

import pytest

from ingest.rate_limit import (
    FakeClock,
    TokenBucket,
    backoff_delay,
    parse_retry_after,
    shared_bucket,
)


def test_backoff_follows_the_formula_and_caps_at_300s():
    rng = random.Random(1)
    expected_rng = random.Random(1)
    for attempt in range(12):
        delay = backoff_delay(attempt, rng)
        base = min(2 * 2**attempt, 300)
        assert delay == pytest.approx(base + expected_rng.uniform(0, 1))
        assert base <= delay < base + 1
    assert 300 <= backoff_delay(50) < 301


@pytest.mark.parametrize(("header", "expected"), [
    ("7", 7.0), ("0", 0.0), (" 2.5 ", 2.5), ("-3", 0.0), ("100000", 300.0),
    (None, None), ("", None), ("soon", None), ("nan", None),
])
def test_retry_after_seconds(header, expected):
    assert parse_retry_after(header) == expected


def test_retry_after_http_date():
    now = dt.datetime(2026, 3, 2, 15, 0, 0, tzinfo=dt.UTC)
    header = format_datetime(now + dt.timedelta(seconds=42), usegmt=True)
    assert header.endswith("GMT")
    assert parse_retry_after(header, now=now) == pytest.approx(42.0)
    past = format_datetime(now - dt.timedelta(seconds=42), usegmt=True)
    assert parse_retry_after(past, now=now) == 0.0


def test_default_rate_spaces_requests_twelve_seconds_apart_on_a_fake_clock():
    clock = FakeClock()
    bucket = TokenBucket(5, clock=clock)
    grants = []
    for _ in range(6):
        bucket.acquire("batch")
        grants.append(clock.monotonic())
    assert grants == pytest.approx([0, 12, 24, 36, 48, 60])
    # no 60-second window holds more than 5 requests
    assert max(sum(1 for t in grants if s <= t < s + 60) for s in grants) == 5


def test_burst_allows_that_many_at_once_then_the_rate():
    clock = FakeClock()
    bucket = TokenBucket(60, burst=3, clock=clock)
    for _ in range(3):
        assert bucket.acquire() == 0
    bucket.acquire()
    assert clock.monotonic() == pytest.approx(1.0)


def test_unlimited_bucket_never_waits():
    bucket = TokenBucket(math.inf)
    started = time.monotonic()
    for _ in range(1000):
        bucket.acquire("backfill")
    assert time.monotonic() - started < 0.5
    assert bucket.granted["backfill"] == 1000


def test_unknown_priority_is_rejected():
    with pytest.raises(ValueError, match="unknown priority"):
        TokenBucket(5).acquire("urgent")


def _wait_for(predicate, timeout=5.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.002)


def test_a_waiting_realtime_request_gets_the_next_token_before_waiting_backfills():
    bucket = TokenBucket(300)  # one token every 0.2 s
    bucket.acquire("batch")     # empty the bucket
    order: list[str] = []
    lock = threading.Lock()

    def take(priority: str, label: str) -> None:
        bucket.acquire(priority)
        with lock:
            order.append(label)

    threads = [threading.Thread(target=take, args=("backfill", "backfill-1"))]
    threads[0].start()
    _wait_for(lambda: bucket.waiting == 1)
    threads.append(threading.Thread(target=take, args=("backfill", "backfill-2")))
    threads[1].start()
    _wait_for(lambda: bucket.waiting == 2)
    threads.append(threading.Thread(target=take, args=("batch", "batch")))
    threads[2].start()
    _wait_for(lambda: bucket.waiting == 3)
    threads.append(threading.Thread(target=take, args=("realtime", "realtime")))
    threads[3].start()
    _wait_for(lambda: bucket.waiting == 4)
    for thread in threads:
        thread.join(5)
    assert order == ["realtime", "batch", "backfill-1", "backfill-2"]


def test_bucket_is_thread_safe_and_keeps_the_rate_across_threads():
    bucket = TokenBucket(1200)  # 20/s, one every 50 ms
    stamps: list[float] = []
    lock = threading.Lock()

    def worker():
        for _ in range(5):
            bucket.acquire("batch")
            with lock:
                stamps.append(time.monotonic())

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    stamps.sort()
    assert len(stamps) == 40
    gaps = [b - a for a, b in zip(stamps, stamps[1:], strict=False)]
    assert min(gaps) >= 0.05 - 0.01
    assert stamps[-1] - stamps[0] >= 39 * 0.05 - 0.02


def test_shared_bucket_is_one_per_account_and_rate():
    a = shared_bucket("polygon|x|k", 5)
    assert shared_bucket("polygon|x|k", 5) is a
    assert shared_bucket("polygon|x|other", 5) is not a
    assert shared_bucket("polygon|x|k", 100) is not a
