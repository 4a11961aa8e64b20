"""Stock splits from Polygon's ``GET /v3/reference/splits`` (its wire format).

One market-wide query per window, not one per symbol (a daily check is one request)::

    GET {base}/v3/reference/splits?execution_date.gte=2026-11-01
        &execution_date.lte=2026-11-30&order=asc&sort=execution_date&limit=1000

answers ``{"results": [{"execution_date": "2020-08-31", "id": "E36416cc...",
"split_from": 1, "split_to": 4, "ticker": "AAPL"}, ...], "status": "OK",
"request_id": "...", "next_url": "...?cursor=..."}``; ``next_url`` pages are followed.

A split of ``split_from`` → ``split_to`` shares has the ratio ``r = split_to /
split_from`` (a 2-for-1 is 1 → 2, r = 2; a 1-for-10 reverse split is 10 → 1,
r = 0.1): on the execution date a holder's quantity is × r and each per-share price ÷ r.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from ingest.rate_limit import Priority

SPLIT_COLUMNS = ("symbol", "execution_date", "split_from", "split_to", "split_id")
PAGE_LIMIT = 1000


def empty_splits() -> pd.DataFrame:
    """A splits frame with no rows and the :data:`SPLIT_COLUMNS`."""
    return pd.DataFrame({column: [] for column in SPLIT_COLUMNS})


def splits_frame(results: list[dict]) -> pd.DataFrame:
    """Polygon ``results`` rows → ``symbol, execution_date, split_from, split_to, split_id``.

    Rows without a ticker, a date or a positive ``split_from`` / ``split_to`` are
    dropped; one row per (symbol, execution_date), the last one kept.
    """
    rows = []
    for result in results:
        try:
            day = dt.date.fromisoformat(str(result["execution_date"]))
            split_from, split_to = float(result["split_from"]), float(result["split_to"])
            symbol = str(result["ticker"])
        except (KeyError, TypeError, ValueError):
            continue
        if split_from > 0 and split_to > 0 and symbol:
            rows.append((symbol, day, split_from, split_to, result.get("id")))
    if not rows:
        return empty_splits()
    frame = pd.DataFrame(rows, columns=list(SPLIT_COLUMNS))
    frame = frame.drop_duplicates(["symbol", "execution_date"], keep="last")
    return frame.sort_values(["execution_date", "symbol"]).reset_index(drop=True)


def fetch_splits(http, start: dt.date, end: dt.date, *,
                 priority: Priority | None = None) -> pd.DataFrame:
    """Every split with ``start <= execution_date <= end``, all pages.

    ``http`` is a :class:`~ingest.polygon_http.PolygonHttp`; a failed request raises its
    :class:`~ingest.polygon_http.SymbolFetchError`.
    """
    params = {"execution_date.gte": start.isoformat(), "execution_date.lte": end.isoformat(),
              "order": "asc", "sort": "execution_date", "limit": str(PAGE_LIMIT)}
    results: list[dict] = []
    for payload in http.pages(f"{http.base_url}/v3/reference/splits", params, priority):
        results.extend(payload.get("results") or [])
    return splits_frame(results)
