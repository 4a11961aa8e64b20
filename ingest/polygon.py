"""Polygon.io daily aggregates: a :class:`~ingest.providers.PriceProvider` over httpx.

Endpoints (:mod:`ingest.polygon_http` holds auth, rate limit, retries and paging)::

    GET {base}/v2/aggs/ticker/{ticker}/range/1/day/{from}/{to}
        ?adjusted=true&sort=asc&limit=50000                  (one symbol, a range)
    GET {base}/v2/aggs/grouped/locale/us/market/stocks/{date}?adjusted=true
                                                          (every stock, one session)
    GET {base}/v3/reference/splits?execution_date.gte=..     (:mod:`ingest.polygon_splits`)

Result fields map as ``o,h,l,c,v,vw,n`` → ``open, high, low, close, volume, vwap,
trades``; ``t`` (Unix ms of the bar's start) → ``price_date``, the session date in
America/New_York. Options are requested as ``O:`` + compact OCC symbol, and rows
carry the symbol as the warehouse stores it.

Per symbol (one bad symbol never aborts the others): 404 / ``status: NOT_FOUND`` is
an unknown ticker, ``resultsCount: 0`` / no ``results`` is no data in the range, other
failures carry Polygon's message or the last retry's reason.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import pandas as pd

from ingest.calendar import NEW_YORK
from ingest.occ import OccSymbolError, is_option_symbol, parse_occ
from ingest.polygon_http import OK_STATUSES, PolygonHttp, SymbolFetchError
from ingest.polygon_splits import fetch_splits
from ingest.providers import BAR_COLUMNS as _BAR_COLUMNS
from ingest.providers import BarsResult
from ingest.rate_limit import Priority

__all__ = ["OK_STATUSES", "PolygonProvider", "SymbolFetchError", "polygon_ticker"]

BAR_COLUMNS = list(_BAR_COLUMNS)
_FIELDS = {"o": "open", "h": "high", "l": "low", "c": "close", "v": "volume", "vw": "vwap",
           "n": "trades"}


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


class PolygonProvider(PolygonHttp):
    """Daily bars (and splits) from Polygon.io or any server speaking its wire format.

    Construction as :class:`~ingest.polygon_http.PolygonHttp` (settings, limiter,
    clock, default priority, ...).
    """

    name = "polygon"

    def grouped_daily(self, day: dt.date, symbols: Iterable[str], *,
                      priority: Priority | None = None) -> pd.DataFrame:
        """Bars of every stock/ETF in ``symbols`` on session ``day``: one request.

        ``GET /v2/aggs/grouped/locale/us/market/stocks/{day}?adjusted=true`` answers the
        whole US market (``T`` = ticker); rows of other tickers are dropped. A symbol
        without a row had no bar that session. Raises :class:`SymbolFetchError`.
        """
        wanted = set(symbols)
        url = f"{self.base_url}/v2/aggs/grouped/locale/us/market/stocks/{day.isoformat()}"
        by_ticker: dict[str, list[dict]] = {}
        for payload in self.pages(url, {"adjusted": "true"}, priority,
                                  not_found=f"no grouped bars for {day}"):
            for result in payload.get("results") or []:
                if result.get("T") in wanted:
                    by_ticker.setdefault(result["T"], []).append(result)
        frames = [results_to_frame(t, rows, day, day) for t, rows in sorted(by_ticker.items())]
        frames = [frame for frame in frames if not frame.empty]
        return (pd.concat(frames, ignore_index=True) if frames
                else pd.DataFrame(columns=BAR_COLUMNS))

    def splits(self, start: dt.date, end: dt.date, *,
               priority: Priority | None = None) -> pd.DataFrame:
        """Every split executed in [start, end] (:func:`ingest.polygon_splits.fetch_splits`)."""
        return fetch_splits(self, start, end, priority=priority)

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
        url = (f"{self.base_url}/v2/aggs/ticker/{ticker}/range/1/day/"
               f"{start.isoformat()}/{end.isoformat()}")
        params = {"adjusted": "true", "sort": "asc", "limit": "50000"}
        results: list[dict] = []
        first = True
        for payload in self.pages(url, params, priority,
                                  not_found=f"unknown ticker {ticker}"):
            page = payload.get("results") or []
            if first and not page and not payload.get("next_url"):
                raise SymbolFetchError(
                    f"no data for {ticker} {start.isoformat()}..{end.isoformat()} "
                    f"(resultsCount {payload.get('resultsCount', 0)}): unknown or not traded"
                )
            first = False
            results.extend(page)
        frame = results_to_frame(symbol, results, start, end)
        if frame.empty:
            raise SymbolFetchError(f"no bars for {ticker} within {start}..{end}")
        return frame
