"""XNYS sessions and windows, checked against hand-listed 2026 NYSE holidays.

The reference is ``numpy.busday_count`` over weekdays minus the holidays NYSE
published for 2025–2026 — independent of exchange-calendars.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from ingest import calendar

NY = ZoneInfo("America/New_York")
NYSE_HOLIDAYS_2025_2026 = [
    "2025-01-01", "2025-01-09", "2025-01-20", "2025-02-17", "2025-04-18", "2025-05-26",
    "2025-06-19", "2025-07-04", "2025-09-01", "2025-11-27", "2025-12-25",
    "2026-01-01", "2026-01-19", "2026-02-16", "2026-04-03", "2026-05-25", "2026-06-19",
    "2026-07-03", "2026-09-07", "2026-11-26", "2026-12-25",
]  # 2025-01-09: national day of mourning (President Carter)


def reference_sessions(start: str, end: str) -> list[dt.date]:
    days = np.arange(np.datetime64(start), np.datetime64(end) + 1)
    mask = np.is_busday(days, holidays=NYSE_HOLIDAYS_2025_2026)
    return days[mask].astype(object).tolist()


def test_sessions_match_hand_listed_holidays():
    assert calendar.sessions(dt.date(2025, 1, 1), dt.date(2026, 12, 31)) == \
        reference_sessions("2025-01-01", "2026-12-31")


def test_sessions_are_inclusive_and_empty_when_reversed():
    assert calendar.sessions(dt.date(2026, 11, 20), dt.date(2026, 11, 20)) == [
        dt.date(2026, 11, 20)]
    assert calendar.sessions(dt.date(2026, 11, 21), dt.date(2026, 11, 22)) == []
    assert calendar.sessions(dt.date(2026, 11, 23), dt.date(2026, 11, 20)) == []


@pytest.mark.parametrize(("day", "expected"), [
    (dt.date(2026, 11, 20), True),    # Friday
    (dt.date(2026, 11, 21), False),   # Saturday
    (dt.date(2026, 11, 26), False),   # Thanksgiving
    (dt.date(2026, 11, 27), True),    # early close is still a session
    (dt.date(2026, 4, 3), False),     # Good Friday
])
def test_is_session(day, expected):
    assert calendar.is_session(day) is expected


def test_outside_the_calendar_span_raises():
    with pytest.raises(ValueError, match="outside"):
        calendar.is_session(dt.date(1990, 1, 2))
    with pytest.raises(ValueError, match="outside"):
        calendar.sessions(dt.date(2026, 1, 1), dt.date(2050, 1, 1))


def test_sessions_back_ends_at_as_of_or_the_session_before():
    expected = reference_sessions("2026-01-01", "2026-11-20")[-5:]
    assert calendar.sessions_back(dt.date(2026, 11, 20), 5) == expected
    assert calendar.sessions_back(dt.date(2026, 11, 22), 5) == expected  # Sunday
    with pytest.raises(ValueError, match="at least 1"):
        calendar.sessions_back(dt.date(2026, 11, 20), 0)


def test_snapshot_window_is_90_sessions():
    window = calendar.snapshot_window(dt.date(2026, 11, 20))
    assert window == reference_sessions("2026-01-01", "2026-11-20")[-90:]
    assert window[0] == dt.date(2026, 7, 17)  # 90 weekdays back, minus Labor Day


def test_history_start_late_in_the_year_is_previous_year_end():
    # 2025-12-31 (Wednesday) is the last session of 2025, earlier than 150 sessions back
    assert calendar.history_start(dt.date(2026, 11, 20)) == dt.date(2025, 12, 31)


def test_history_start_early_in_the_year_reaches_back_150_sessions():
    as_of = dt.date(2026, 3, 2)
    start = calendar.history_start(as_of, snapshot_days=90, regression_days=60)
    loaded = reference_sessions(start.isoformat(), as_of.isoformat())
    assert len(loaded) == 151  # the as-of session plus 150 before it
    assert start < dt.date(2025, 12, 31)


@pytest.mark.parametrize(("now", "expected"), [
    (dt.datetime(2026, 11, 24, 15, 59, tzinfo=NY), dt.date(2026, 11, 23)),
    (dt.datetime(2026, 11, 24, 16, 0, tzinfo=NY), dt.date(2026, 11, 24)),
    (dt.datetime(2026, 11, 24, 9, 0, tzinfo=NY), dt.date(2026, 11, 23)),
    (dt.datetime(2026, 11, 26, 18, 0, tzinfo=NY), dt.date(2026, 11, 25)),  # Thanksgiving
    (dt.datetime(2026, 11, 27, 13, 5, tzinfo=NY), dt.date(2026, 11, 27)),  # 13:00 close
    (dt.datetime(2026, 11, 27, 12, 55, tzinfo=NY), dt.date(2026, 11, 25)),
    (dt.datetime(2026, 11, 29, 12, 0, tzinfo=NY), dt.date(2026, 11, 27)),  # Sunday
    (dt.datetime(2026, 11, 24, 21, 0), dt.date(2026, 11, 24)),            # naive = UTC
    (dt.datetime(2026, 11, 24, 20, 59, tzinfo=dt.UTC), dt.date(2026, 11, 23)),
    (dt.datetime(2026, 11, 25, 1, 0, tzinfo=NY), dt.date(2026, 11, 24)),   # after midnight
])
def test_default_as_of(now, expected):
    assert calendar.default_as_of(now) == expected
