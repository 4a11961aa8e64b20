"""A warehouse-backed cache in front of any price provider.

:class:`CachedPriceProvider` wraps a :class:`~ingest.providers.PriceProvider` (Polygon
in production) and answers ``daily_bars`` with as few upstream calls as possible:

1. **Stored days are never fetched again.** The XNYS sessions of the requested range
   (cut at an option's expiry) that already have a row in ``raw.prices_daily`` for
   the symbol are read from there; only the span from the first to the last missing
   session is requested. A symbol with no missing session costs zero requests.
2. **Response cache, 24 h TTL.** Before calling the provider for that span,
   ``raw.market_data_cache`` is checked for an unexpired answer of the same provider
   covering it (``start_date <= from`` and ``end_date >= to``). End-of-day bars are
   final once published, but today's bar may not exist yet at fetch time, so an
   answer is trusted for 24 hours and then asked again; an answer fetched before the
   last bar of its range was final (:func:`ingest.calendar.bar_final_at`) is not used,
   and a stored row loaded that early counts as missing: a provisional bar is
   refetched. Successful answers are upserted (``insert ... on conflict (cache_key)
   do update``). Failures are not cached: a failed symbol is retried on the next run.
3. **Refresh.** Symbols in :attr:`CachedPriceProvider.refresh` (a split made their
   stored history stale, :mod:`ingest.splits`) skip both: the whole range is fetched.

The answer for each symbol is stored rows ∪ fetched rows over the whole requested
range (a stored day wins over a fetched one), each row keeping its own ``source``,
so a loader's delete-then-insert of the range rewrites the same rows.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable

import pandas as pd

from ingest import calendar
from ingest.occ import OccSymbolError, is_option_symbol, parse_occ
from ingest.providers import BAR_COLUMNS as _BAR_COLUMNS
from ingest.providers import BarsResult
from ingest.warehouse import Connection, Warehouse

BAR_COLUMNS = list(_BAR_COLUMNS)
EOD_TTL = dt.timedelta(hours=24)


def utc_now() -> dt.datetime:
    """Naive UTC now (the warehouse's ``timestamp`` convention)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def xnys_sessions(start: dt.date, end: dt.date) -> list[dt.date]:
    """XNYS session dates in [start, end] (inclusive), clipped to the calendar span."""
    start, end = max(start, calendar.FIRST_DATE), min(end, calendar.LAST_DATE)
    return calendar.sessions(start, end) if start <= end else []


def last_tradable_day(symbol: str, end: dt.date) -> dt.date:
    """``end``, or an option's expiry when that comes first (no bars after expiry)."""
    if is_option_symbol(symbol):
        try:
            return min(end, parse_occ(symbol).expiry)
        except OccSymbolError:
            return end
    return end


def cache_key(provider: str, symbol: str, start: dt.date, end: dt.date) -> str:
    return f"{provider}|daily_bars|{symbol}|{start.isoformat()}|{end.isoformat()}"


def _normalise(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.reindex(columns=BAR_COLUMNS).copy()
    if frame.empty:
        return frame
    frame["price_date"] = pd.to_datetime(frame["price_date"]).dt.date
    for column in ("open", "high", "low", "close", "volume", "vwap"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
    frame["trades"] = pd.to_numeric(frame["trades"], errors="coerce").astype("Int64")
    return frame


def _loaded_early(day: dt.date, loaded_at: dt.datetime) -> bool:
    """Was the bar of session ``day`` loaded before it was final (naive UTC ``loaded_at``)?"""
    if loaded_at.date() > day + dt.timedelta(days=1):  # days later: surely final
        return False
    return calendar.is_session(day) and loaded_at < calendar.bar_final_at(day)


def stored_bars(conn: Connection, symbol: str, start: dt.date, end: dt.date) -> pd.DataFrame:
    """The final rows of ``raw.prices_daily`` for ``symbol`` in [start, end].

    A row loaded before its session's bar was final (:func:`ingest.calendar.bar_final_at`)
    is left out, so it counts as missing and is fetched again.
    """
    frame = conn.fetch_df(
        "select symbol, price_date, open, high, low, close, volume, vwap, trades, source, "
        "loaded_at from raw.prices_daily where symbol = :symbol and price_date >= :start "
        "and price_date <= :end order by price_date",
        {"symbol": symbol, "start": start, "end": end},
    )
    if not frame.empty:
        early = [_loaded_early(pd.Timestamp(day).date(), pd.Timestamp(loaded).to_pydatetime())
                 for day, loaded in zip(frame["price_date"], frame["loaded_at"], strict=True)]
        frame = frame[~pd.Series(early, index=frame.index)]
    return _normalise(frame)


def frame_to_payload(frame: pd.DataFrame) -> str:
    records = []
    for record in _normalise(frame).to_dict("records"):
        record["price_date"] = record["price_date"].isoformat()
        record["trades"] = None if pd.isna(record["trades"]) else int(record["trades"])
        for column in ("open", "high", "low", "close", "volume", "vwap"):
            value = record[column]
            record[column] = None if pd.isna(value) else float(value)
        records.append(record)
    return json.dumps(records, separators=(",", ":"))


def payload_to_frame(payload: str) -> pd.DataFrame:
    return _normalise(pd.DataFrame(json.loads(payload or "[]"), columns=BAR_COLUMNS))


class MarketDataCache:
    """``raw.market_data_cache``: provider answers keyed by (provider, symbol, range)."""

    def __init__(self, warehouse: Warehouse, ttl: dt.timedelta = EOD_TTL,
                 now: Callable[[], dt.datetime] = utc_now):
        self.warehouse = warehouse
        self.ttl = ttl
        self.now = now

    def lookup(self, provider: str, symbol: str, start: dt.date,
               end: dt.date) -> pd.DataFrame | None:
        """An unexpired cached answer covering [start, end], cut to it; else None."""
        with self.warehouse.connect() as conn:
            row = conn.fetch_one(
                "select payload from raw.market_data_cache where provider = :provider "
                "and symbol = :symbol and start_date <= :start and end_date >= :end "
                "and expires_at > :now and fetched_at >= :final "
                "order by fetched_at desc limit 1",
                {"provider": provider, "symbol": symbol, "start": start, "end": end,
                 "now": self.now(), "final": calendar.bar_final_at(end)},
            )
        if row is None:
            return None
        frame = payload_to_frame(row["payload"])
        if frame.empty:
            return frame
        return frame[(frame["price_date"] >= start) & (frame["price_date"] <= end)]

    def store(self, provider: str, symbol: str, start: dt.date, end: dt.date,
              frame: pd.DataFrame) -> None:
        """Upsert one answer; it expires ``ttl`` after now."""
        fetched = self.now()
        with self.warehouse.connect() as conn:
            conn.execute(
                "insert into raw.market_data_cache (cache_key, provider, symbol, start_date, "
                "end_date, payload, fetched_at, expires_at) values (:key, :provider, "
                ":symbol, :start, :end, :payload, :fetched, :expires) "
                "on conflict (cache_key) do update set payload = excluded.payload, "
                "fetched_at = excluded.fetched_at, expires_at = excluded.expires_at",
                {"key": cache_key(provider, symbol, start, end), "provider": provider,
                 "symbol": symbol, "start": start, "end": end,
                 "payload": frame_to_payload(frame), "fetched": fetched,
                 "expires": fetched + self.ttl},
            )

    def purge_expired(self) -> int:
        """Delete expired entries; returns how many there were."""
        with self.warehouse.connect() as conn:
            count = conn.fetchall(
                "select count(*) from raw.market_data_cache where expires_at <= :now",
                {"now": self.now()})[0][0]
            conn.execute("delete from raw.market_data_cache where expires_at <= :now",
                         {"now": self.now()})
        return int(count)


class CachedPriceProvider:
    """A price provider that reads the warehouse first and the network last.

    Parameters
    ----------
    inner : PriceProvider
        The upstream provider (its ``name`` is this provider's name and the cache's
        ``provider`` column).
    warehouse : Warehouse
        Where ``raw.prices_daily`` and ``raw.market_data_cache`` live.
    ttl : datetime.timedelta
        Lifetime of a cached answer (24 h for end-of-day data).
    progress : BackfillProgress, optional
        When given, each symbol's outcome is recorded (and committed) as soon as it
        is known, so ``app.historical_backfill_progress`` is readable during a long
        ``daily_bars`` call.
    """

    def __init__(self, inner, warehouse: Warehouse, ttl: dt.timedelta = EOD_TTL,
                 now: Callable[[], dt.datetime] = utc_now, progress=None):
        self.inner = inner
        self.name = inner.name
        self.warehouse = warehouse
        self.cache = MarketDataCache(warehouse, ttl, now)
        self.progress = progress
        self.refresh: set[str] = set()  # symbols whose stored rows and cache are ignored
        # bars already fetched by grouped requests (ingest/grouped_bars.py), by symbol,
        # and the sessions those requests covered
        self.prefetched: dict[str, pd.DataFrame] = {}
        self.prefetched_days: set[dt.date] = set()
        self.stats = {"stored_only": 0, "cache_hits": 0, "fetched": 0, "failed": 0}

    def close(self) -> None:
        if hasattr(self.inner, "close"):
            self.inner.close()

    def __getattr__(self, name: str):
        """The inner provider's other capabilities (Polygon's ``splits``, ``grouped_daily``)."""
        if name in ("splits", "grouped_daily"):
            return getattr(self.inner, name)
        raise AttributeError(name)

    def daily_bars(self, symbols: Iterable[str], start: dt.date, end: dt.date,
                   **options) -> BarsResult:
        frames: list[pd.DataFrame] = []
        errors: dict[str, str] = {}
        for symbol in dict.fromkeys(symbols):
            frame, error = self.symbol_bars(symbol, start, end, **options)
            if self.progress is not None:
                with self.warehouse.connect() as conn:
                    self.progress.record(conn, symbol, error)
            if error is not None:
                errors[symbol] = error
            elif not frame.empty:
                frames.append(frame)
        bars = (pd.concat(frames, ignore_index=True) if frames
                else pd.DataFrame(columns=BAR_COLUMNS))
        return BarsResult(bars=bars, errors=errors)

    def missing_range(self, symbol: str, start: dt.date, end: dt.date,
                      stored: pd.DataFrame) -> tuple[dt.date, dt.date] | None:
        """First and last session in [start, end] without a stored row (None if none)."""
        have = set(stored["price_date"]) if not stored.empty else set()
        missing = [d for d in xnys_sessions(start, last_tradable_day(symbol, end))
                   if d not in have]
        return (missing[0], missing[-1]) if missing else None

    def _prefetched_covers(self, symbol: str, stored: pd.DataFrame,
                           span: tuple[dt.date, dt.date]) -> bool:
        """Did grouped requests cover every missing session of ``symbol`` in ``span``?

        A symbol absent from every grouped answer (e.g. a ticker the grouped endpoint
        does not list) is not covered: it is asked for on its own.
        """
        if symbol not in self.prefetched or is_option_symbol(symbol):
            return False
        have = set(stored["price_date"]) if not stored.empty else set()
        missing = [d for d in xnys_sessions(*span) if d not in have]
        return all(d in self.prefetched_days for d in missing)

    def symbol_bars(self, symbol: str, start: dt.date, end: dt.date,
                    **options) -> tuple[pd.DataFrame, str | None]:
        """(bars of ``symbol`` over [start, end], error or None)."""
        refresh = symbol in self.refresh
        with self.warehouse.connect() as conn:
            stored = (stored_bars(conn, symbol, start, end) if not refresh
                      else _normalise(pd.DataFrame(columns=BAR_COLUMNS)))
        span = self.missing_range(symbol, start, end, stored)
        if span is None:
            self.stats["stored_only"] += 1
            return stored, None
        fetched = None if refresh else self.cache.lookup(self.name, symbol, *span)
        if fetched is None and self._prefetched_covers(symbol, stored, span):
            fetched = self.prefetched[symbol]
            fetched = fetched[(fetched["price_date"] >= span[0])
                              & (fetched["price_date"] <= span[1])]
        if fetched is not None:
            self.stats["cache_hits"] += 1
        else:
            result = self.inner.daily_bars([symbol], *span, **options)
            if symbol in result.errors:
                self.stats["failed"] += 1
                return stored, result.errors[symbol]
            fetched = _normalise(result.bars[result.bars["symbol"] == symbol])
            self.cache.store(self.name, symbol, *span, fetched)
            self.stats["fetched"] += 1
        if fetched.empty:
            return stored, None
        combined = pd.concat([stored, fetched], ignore_index=True) if not stored.empty \
            else fetched
        combined = combined.drop_duplicates(["symbol", "price_date"], keep="first")
        return combined.sort_values("price_date").reset_index(drop=True), None
