"""Reference routes of the fake Polygon, and its strict rate limit.

``GET /v3/reference/splits`` (ticker, execution_date.gte / .lte, order, limit, cursor)
answers ``{"results": [{"execution_date", "id", "split_from", "split_to", "ticker"}],
"status": "OK", "request_id", "next_url"?}`` — the shape of Polygon's client fixtures.

``GET /v2/aggs/grouped/locale/us/market/stocks/{date}`` answers every ticker of
:attr:`FakeMarket.universe` with a bar that day: ``{"queryCount", "resultsCount",
"adjusted": true, "results": [{"T": "AAPL", "v", "vw", "o", "c", "h", "l", "t", "n"}],
"status": "OK", "request_id"}`` (no ``next_url``: one request per session).
"""

from __future__ import annotations

import datetime as dt

from tests.fakes.polygon_wire import RequestRecord, decode_cursor, encode_cursor, wire_bars

SPLITS_PATH = "/v3/reference/splits"
GROUPED_PREFIX = "/v2/aggs/grouped/locale/us/market/stocks/"


def over_limit(fake, record: RequestRecord) -> bool:
    """True when ``fake.limit`` requests were accepted within the window before ``record``."""
    count, window = fake.limit
    with fake._lock:
        accepted = [r for r in fake.log if r is not record and r.status not in (0, 429)
                    and r.at > record.at - window]
    return len(accepted) >= count


def reference_body(fake, path: str, query: dict[str, list[str]],
                   request_id: str) -> dict | None:
    """The JSON answer of a reference route, or None when ``path`` is not one."""
    path = path.rstrip("/")
    if path == SPLITS_PATH:
        return _splits(fake, query, request_id)
    if path.startswith(GROUPED_PREFIX):
        day = dt.date.fromisoformat(path[len(GROUPED_PREFIX):])
        results = []
        for ticker in sorted(fake.market.universe):
            for row in wire_bars(fake.market.bars(ticker, day, day)):
                results.append({"T": ticker, **row})
        return {"queryCount": len(results), "resultsCount": len(results), "adjusted": True,
                "results": results, "status": "OK", "request_id": request_id}
    return None


def _splits(fake, query: dict[str, list[str]], request_id: str) -> dict:
    def day(name: str) -> dt.date | None:
        return dt.date.fromisoformat(query[name][0]) if name in query else None

    rows = fake.market.splits_between(query.get("ticker", [None])[0],
                                      day("execution_date.gte"), day("execution_date.lte"))
    if query.get("order", ["asc"])[0] == "desc":
        rows.reverse()
    limit = int(query.get("limit", ["10"])[0])
    offset = decode_cursor(query["cursor"][0]) if "cursor" in query else 0
    body: dict = {"results": rows[offset:offset + limit], "status": "OK",
                  "request_id": request_id}
    if offset + limit < len(rows):
        kept = {k: v[0] for k, v in query.items() if k not in ("cursor", "apiKey")}
        body["next_url"] = (f"{fake.base_url}{SPLITS_PATH}?"
                            + "&".join(f"{k}={v}" for k, v in kept.items())
                            + f"&cursor={encode_cursor(offset + limit)}")
    return body
