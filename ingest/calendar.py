"""XNYS trading sessions (``exchange-calendars``), the as-of date and the load windows.

Every date the warehouse stores is an XNYS session date. The calendar is built once
per process for a fixed span, :data:`FIRST_DATE` to :data:`LAST_DATE` (holiday rules
are algorithmic, so future sessions are known; an unscheduled closure announced later
would change them with a new ``exchange-calendars`` release). Dates outside the span
raise :class:`ValueError`.

Windows (design §5), for an as-of session ``a`` with index ``i`` in the session list:

- snapshot window: the ``days`` sessions ``i − days + 1 … i`` (90 by default);
- history start: ``min(last session of the year before a, session i − (snapshot_days +
  regression_days))``, so that MTD/YTD P&L and 60-session betas at the start of the
  snapshot window are computable from the loaded prices.
"""

from __future__ import annotations

import datetime as dt
import warnings
from functools import lru_cache
from zoneinfo import ZoneInfo

import exchange_calendars as xcals
import numpy as np
import pandas as pd

CALENDAR = "XNYS"
FIRST_DATE = dt.date(2000, 1, 3)
LAST_DATE = dt.date(2040, 12, 31)
NEW_YORK = ZoneInfo("America/New_York")


@lru_cache(maxsize=1)
def xnys() -> xcals.ExchangeCalendar:
    """The cached XNYS calendar over ``FIRST_DATE … LAST_DATE``."""
    with warnings.catch_warnings():  # exchange-calendars 4.13 on pandas 3.1: a deprecation
        warnings.filterwarnings("ignore", message="Series.values returning an ndarray")
        return xcals.get_calendar(CALENDAR, start=FIRST_DATE.isoformat(),
                                  end=LAST_DATE.isoformat())


@lru_cache(maxsize=1)
def _session_days() -> np.ndarray:
    """Every session of the span as sorted ``datetime64[D]``."""
    return xnys().sessions.values.astype("datetime64[D]")


@lru_cache(maxsize=1)
def _session_closes() -> pd.DatetimeIndex:
    """UTC close time of every session (early closes included), aligned with the days."""
    return pd.DatetimeIndex(xnys().closes)


def _day(value: dt.date) -> np.datetime64:
    if isinstance(value, dt.datetime):
        value = value.date()
    if not FIRST_DATE <= value <= LAST_DATE:
        raise ValueError(
            f"{value} is outside the supported calendar span {FIRST_DATE} … {LAST_DATE}"
        )
    return np.datetime64(value, "D")


def _to_dates(days: np.ndarray) -> list[dt.date]:
    return days.astype(object).tolist()


def is_session(day: dt.date) -> bool:
    """Whether ``day`` is an XNYS trading session."""
    days = _session_days()
    target = _day(day)
    position = np.searchsorted(days, target)
    return bool(position < len(days) and days[position] == target)


def sessions(start: dt.date, end: dt.date) -> list[dt.date]:
    """The XNYS sessions ``start ≤ d ≤ end`` (both ends inclusive), ascending."""
    days = _session_days()
    lo = np.searchsorted(days, _day(start), side="left")
    hi = np.searchsorted(days, _day(end), side="right")
    return _to_dates(days[lo:hi])


def _index_at_or_before(day: dt.date) -> int:
    """Index of the last session ``≤ day``."""
    index = int(np.searchsorted(_session_days(), _day(day), side="right")) - 1
    if index < 0:
        raise ValueError(f"no XNYS session on or before {day} in the calendar span")
    return index


def previous_session(day: dt.date) -> dt.date:
    """The last session on or before ``day`` (``day`` itself when it is a session)."""
    return _to_dates(_session_days()[[_index_at_or_before(day)]])[0]


def sessions_back(as_of: dt.date, n: int) -> list[dt.date]:
    """The ``n`` sessions ending at ``as_of`` (or at the last session before it), ascending.

    Raises
    ------
    ValueError
        When ``n < 1`` or the calendar span has fewer than ``n`` sessions before ``as_of``.
    """
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    end = _index_at_or_before(as_of)
    if end + 1 < n:
        raise ValueError(f"fewer than {n} sessions on or before {as_of} in the calendar span")
    return _to_dates(_session_days()[end + 1 - n:end + 1])


def snapshot_window(as_of: dt.date, days: int = 90) -> list[dt.date]:
    """The snapshot sessions: the ``days`` sessions ending at ``as_of``."""
    return sessions_back(as_of, days)


def history_start(as_of: dt.date, snapshot_days: int = 90, regression_days: int = 60) -> dt.date:
    """First session of the price history to load for ``as_of``.

    ``min(last session of year(as_of) − 1, the session snapshot_days + regression_days
    sessions before as_of)`` — the second term is ``sessions_back(as_of, N + 1)[0]``
    with ``N = snapshot_days + regression_days``, so the first snapshot day has
    ``regression_days`` daily returns before it.
    """
    year_end = previous_session(dt.date(as_of.year - 1, 12, 31))
    regression_start = sessions_back(as_of, snapshot_days + regression_days + 1)[0]
    return min(year_end, regression_start)


def default_as_of(now: dt.datetime) -> dt.date:
    """The latest XNYS session whose close has passed at ``now``.

    The close is the calendar's (16:00 America/New_York, 13:00 on early-close days).
    A naive ``now`` is taken as UTC. Before today's close (or on a non-session day)
    this is the previous session.
    """
    if now.tzinfo is None:
        now = now.replace(tzinfo=dt.UTC)
    closes = _session_closes()
    index = _index_at_or_before(today_in_new_york(now))
    if closes[index] > pd.Timestamp(now):
        index -= 1
    return _to_dates(_session_days()[[index]])[0]


#: how long after a session's close its daily bar is taken as final
BAR_SETTLE = dt.timedelta(minutes=30)


def bar_final_at(day: dt.date) -> dt.datetime:
    """Naive UTC time from which the daily bar of session ``day`` is final.

    The session's close (16:00 New York, 13:00 on early-close days) + :data:`BAR_SETTLE`;
    a bar fetched earlier may still change and is fetched again.
    """
    close = _session_closes()[_index_at_or_before(day)]
    return (close + BAR_SETTLE).tz_convert("UTC").tz_localize(None).to_pydatetime()


def today_in_new_york(now: dt.datetime | None = None) -> dt.date:
    """The calendar date in New York (the exchange's time zone) at ``now`` (default: now).

    This is "today" for every rule of the product: the latest entry date an upload may
    carry, and the day a batch runs for when no as-of date is pinned.
    """
    return (now or dt.datetime.now(dt.UTC)).astimezone(NEW_YORK).date()


def off_session_reason(day: dt.date) -> str | None:
    """Why a batch for ``day`` has nothing to do (not an XNYS session), or None."""
    return None if is_session(day) else f"{day} is not an XNYS session: nothing to do"
