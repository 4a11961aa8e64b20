"""A loopback HTTP server that speaks Polygon.io's daily-aggregates wire format.

``GET /v3/reference/splits`` and ``GET /v2/aggs/grouped/locale/us/market/stocks/{date}``
are served by :mod:`tests.fakes.polygon_routes`. With ``limit=(n, window)`` the server
answers 429 to a request when n requests were already accepted in the last ``window``
seconds (Polygon's free tier: 5 per rolling 60 s; tests scale the window down).
``GET /v2/aggs/ticker/{ticker}/range/1/day/{from}/{to}`` answers like Polygon::

    {"ticker": "AAPL", "queryCount": 63, "resultsCount": 50, "adjusted": true,
     "results": [{"v": .., "vw": .., "o": .., "c": .., "h": .., "l": .., "t": <ms>,
                  "n": ..}, ...],
     "status": "OK", "request_id": "...", "count": 50,
     "next_url": "http://127.0.0.1:PORT/v2/aggs/ticker/AAPL/range/1/day/...?cursor=..."}

Bars come from :class:`tests.fakes.fake_market.FakeMarket` (the synthetic generator's
prices, as of the market's ``today`` around splits, with missing sessions), so the
same seeded prices as the offline default. ``t`` is the bar's session start, midnight
America/New_York, in Unix ms — as Polygon sends it. ``next_url`` carries a cursor
but no API key (as Polygon's).

Faults are injected per ticker with :meth:`FakePolygon.add_fault`: HTTP 429 with a
``Retry-After`` header, 5xx N times then OK, slow answers (client timeouts),
malformed JSON, unknown tickers (404 ``NOT_FOUND`` or 200 with ``resultsCount: 0``),
and ``ERROR`` answers. Every request is logged with its arrival time
(``time.monotonic``) in :attr:`FakePolygon.log`.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from tests.fakes.fake_market import FakeMarket, synthetic_bars
from tests.fakes.polygon_routes import over_limit, reference_body
from tests.fakes.polygon_wire import (
    Fault,
    FaultKind,
    RequestRecord,
    decode_cursor,
    encode_cursor,
    wire_bars,
)

__all__ = ["FakeMarket", "FakePolygon", "synthetic_bars"]



@dataclass
class FakePolygon:
    """The server state; start it with :meth:`start` (or as a context manager)."""

    api_key: str = "test-key"
    page_size: int = 50_000
    bars_source: object = None        # callable(symbol, start, end) -> DataFrame
    market: FakeMarket = field(default_factory=FakeMarket)  # splits, today, gaps
    faults: dict[str, list[Fault]] = field(default_factory=dict)
    log: list[RequestRecord] = field(default_factory=list)
    limit: tuple[int, float] | None = None  # strict: at most n requests per window (s)

    def __post_init__(self):
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._bars_cache: dict[tuple, list[dict]] = {}

    # -- lifecycle ------------------------------------------------------------------
    def start(self) -> FakePolygon:
        handler = type("Handler", (_Handler,), {"fake": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,),
                                        daemon=True, name="fake-polygon")
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakePolygon:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        assert self._server is not None, "server not started"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # -- control --------------------------------------------------------------------
    def add_fault(self, ticker: str, kind: FaultKind, times: int | None = None,
                  **options) -> Fault:
        """Queue a fault for ``ticker`` (Polygon's ticker, e.g. ``O:AAPL...``)."""
        fault = Fault(kind=kind, times=times, **options)
        with self._lock:
            self.faults.setdefault(ticker, []).append(fault)
        return fault

    def clear(self) -> None:
        with self._lock:
            self.faults.clear()
            self.log.clear()

    def requests_for(self, ticker: str) -> list[RequestRecord]:
        with self._lock:
            return [record for record in self.log if record.ticker == ticker]

    def aggregate_requests(self) -> list[RequestRecord]:
        with self._lock:
            return [record for record in self.log if record.ticker is not None]

    def results(self, ticker: str, start: dt.date, end: dt.date) -> list[dict]:
        """Polygon ``results`` rows for a ticker and range.

        From :attr:`market` (as of its ``today``), or from ``bars_source`` when given
        (memoised: pages reuse them).
        """
        if self.bars_source is None:
            return wire_bars(self.market.bars(ticker, start, end))
        key = (ticker, start, end)
        with self._lock:
            cached = self._bars_cache.get(key)
        if cached is not None:
            return cached
        symbol = ticker[2:] if ticker.startswith("O:") else ticker
        results = wire_bars(self.bars_source(symbol, start, end))  # type: ignore[operator]
        with self._lock:
            self._bars_cache[key] = results
        return results

    def _next_fault(self, ticker: str) -> Fault | None:
        with self._lock:
            for fault in self.faults.get(ticker, []):
                if fault.times is None or fault.served < fault.times:
                    fault.served += 1
                    return fault
        return None


class _Handler(BaseHTTPRequestHandler):
    fake: FakePolygon
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out as two writes

    def log_message(self, format, *args) -> None:  # noqa: A002 - silence stderr
        pass

    def _send(self, status: int, body: bytes | dict, headers: dict | None = None) -> None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def do_GET(self) -> None:  # noqa: N802 - http.server naming
        fake = self.fake
        parts = urlsplit(self.path)
        query = parse_qs(parts.query)
        segments = parts.path.strip("/").split("/")
        bearer = self.headers.get("Authorization", "")
        authorised = (query.get("apiKey", [None])[0] == fake.api_key
                      or bearer == f"Bearer {fake.api_key}")
        ticker = None
        if (len(segments) == 9 and segments[:3] == ["v2", "aggs", "ticker"]
                and segments[4:7] == ["range", "1", "day"]):
            ticker = segments[3]
        record = RequestRecord(time.monotonic(), time.time(), parts.path, ticker, query,
                               authorised)
        with fake._lock:
            fake.log.append(record)
        request_id = uuid.uuid4().hex
        if authorised and fake.limit is not None and over_limit(fake, record):
            record.status = 429
            self._send(429, {"status": "ERROR", "request_id": request_id, "error":
                             "You've exceeded the maximum requests per minute"},
                       {"Retry-After": f"{fake.limit[1]:g}"})
            return
        body = reference_body(fake, parts.path, query, request_id) if authorised else None
        if body is not None:
            record.status = 200
            self._send(200, body)
            return
        if ticker is None:
            record.status = 404
            self._send(404, {"status": "NOT_FOUND", "request_id": request_id,
                             "message": "route not found"})
            return
        if not authorised:
            record.status = 401
            self._send(401, {"status": "ERROR", "request_id": request_id,
                             "error": "Unknown API Key"})
            return
        fault = fake._next_fault(ticker)
        if fault is not None and self._serve_fault(fault, ticker, record, request_id):
            return
        try:
            start = dt.date.fromisoformat(segments[7])
            end = dt.date.fromisoformat(segments[8])
        except ValueError:
            record.status = 400
            self._send(400, {"status": "ERROR", "request_id": request_id,
                             "error": "Could not parse the time parameter"})
            return
        results = fake.results(ticker, start, end)
        offset = decode_cursor(query["cursor"][0]) if "cursor" in query else 0
        page = results[offset:offset + fake.page_size]
        body = {"ticker": ticker, "queryCount": len(results), "resultsCount": len(page),
                "adjusted": True, "status": "OK", "request_id": request_id,
                "count": len(page)}
        if page:
            body["results"] = page
        if offset + fake.page_size < len(results):
            body["next_url"] = (f"{fake.base_url}{parts.path}"
                                f"?cursor={encode_cursor(offset + fake.page_size)}")
        record.status = 200
        self._send(200, body)

    def _serve_fault(self, fault: Fault, ticker: str, record: RequestRecord,
                     request_id: str) -> bool:
        """Answer with ``fault``; False when the fault only delays a normal answer."""
        headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
        if fault.kind == "429":
            record.status = 429
            self._send(429, {"status": "ERROR", "request_id": request_id,
                             "error": "You've exceeded the maximum requests per minute"},
                       headers)
        elif fault.kind == "5xx":
            record.status = fault.status
            self._send(fault.status, b"<html>upstream unavailable</html>", headers)
        elif fault.kind == "slow":
            time.sleep(fault.delay)
            return False
        elif fault.kind == "malformed":
            record.status = 200
            self._send(200, b'{"ticker": "' + ticker.encode() + b'", "results": [{"o": 1.')
        elif fault.kind == "not_found":
            record.status = 404
            self._send(404, {"status": "NOT_FOUND", "request_id": request_id,
                             "message": "Ticker not found."})
        elif fault.kind == "empty":
            record.status = 200
            self._send(200, {"ticker": ticker, "queryCount": 0, "resultsCount": 0,
                             "adjusted": True, "status": "OK", "request_id": request_id})
        elif fault.kind == "error":
            record.status = 400
            self._send(400, {"status": "ERROR", "request_id": request_id,
                             "error": "Bad request for this ticker"})
        elif fault.kind == "crash":
            record.status = 0
            self.close_connection = True
            try:
                self.connection.shutdown(2)
            except OSError:
                pass
        return True
