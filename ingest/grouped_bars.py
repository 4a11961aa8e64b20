"""Carry out a request plan's grouped requests before the per-symbol backfill runs.

:func:`symbol_needs` asks a :class:`~ingest.market_cache.CachedPriceProvider` which
sessions each symbol still needs (what :func:`ingest.request_plan.plan_requests` plans
from). :func:`prefetch_grouped` then makes the plan's grouped requests (one per
session, :meth:`ingest.polygon.PolygonProvider.grouped_daily`) and hands the bars to the
provider (``prefetched``), so the backfill's per-symbol calls for those symbols are
answered without a request. Each session's answer (restricted to the wanted symbols)
is also kept in ``raw.market_data_cache``: a backfill interrupted half-way resumes
without asking again for the sessions it already has.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence

import pandas as pd

from ingest.market_cache import CachedPriceProvider, stored_bars, xnys_sessions
from ingest.rate_limit import Priority
from ingest.request_plan import RequestPlan


def symbol_needs(provider: CachedPriceProvider, symbols: Sequence[str], start: dt.date,
                 end: dt.date) -> dict[str, tuple[dt.date, ...]]:
    """Per symbol, the sessions in [start, end] a request must still bring (may be empty).

    A session is needed when no final stored bar has it and no unexpired cached answer
    covers the symbol's missing span; a symbol in ``provider.refresh`` needs them all.
    """
    needs: dict[str, tuple[dt.date, ...]] = {}
    for symbol in dict.fromkeys(symbols):
        refresh = symbol in provider.refresh
        if refresh:
            stored = pd.DataFrame(columns=["price_date"])
        else:
            with provider.warehouse.connect() as conn:
                stored = stored_bars(conn, symbol, start, end)
        span = provider.missing_range(symbol, start, end, stored)
        if span is None or (not refresh and provider.cache.lookup(
                provider.name, symbol, *span) is not None):
            needs[symbol] = ()
            continue
        have = set(stored["price_date"])
        needs[symbol] = tuple(d for d in xnys_sessions(*span) if d not in have)
    return needs


def _key(symbols: Sequence[str]) -> str:
    digest = hashlib.sha1(",".join(sorted(symbols)).encode()).hexdigest()[:16]
    return f"*grouped:{digest}"


def prefetch_grouped(provider: CachedPriceProvider, plan: RequestPlan,
                     priority: Priority | None = None) -> dict[dt.date, str]:
    """Make the plan's grouped requests; returns {session: error} of those that failed.

    Symbols of a failed session are simply fetched per symbol by the backfill.
    """
    frames: list[pd.DataFrame] = []
    errors: dict[dt.date, str] = {}
    key = _key(plan.grouped_symbols)
    for day in plan.grouped_sessions:
        frame = provider.cache.lookup(provider.name, key, day, day)
        if frame is None:
            try:
                frame = provider.inner.grouped_daily(day, plan.grouped_symbols,
                                                     priority=priority)
            except Exception as error:  # noqa: BLE001 - those symbols go per symbol
                errors[day] = f"{type(error).__name__}: {error}"
                continue
            provider.cache.store(provider.name, key, day, day, frame)
        frames.append(frame)
        provider.prefetched_days.add(day)
    if frames:
        bars = pd.concat(frames, ignore_index=True)
        for symbol, rows in bars.groupby("symbol"):
            provider.prefetched[str(symbol)] = rows.sort_values("price_date").reset_index(
                drop=True)
    return errors


def has_grouped(provider: object) -> bool:
    """Can ``provider`` plan (a caching provider over a client with grouped bars)?"""
    return isinstance(provider, CachedPriceProvider) and hasattr(provider.inner,
                                                                 "grouped_daily")
