"""A loopback Yahoo Finance for yfinance: cookie, crumb, quoteSummary, v7 quote.

yfinance (1.x) does, for ``Ticker(sym, session=s).info``:

1. ``GET https://fc.yahoo.com`` (sets the ``A3`` cookie), then
   ``GET https://query1.finance.yahoo.com/v1/test/getcrumb`` (the crumb);
   after an HTTP error it toggles to the consent ("csrf") strategy and asks
   ``https://guce.yahoo.com/consent`` — answered here with a page without a
   ``csrfToken``, so yfinance falls back to the basic strategy, as it does live;
2. ``GET https://query2.finance.yahoo.com/v10/finance/quoteSummary/{sym}?modules=
   financialData,quoteType,defaultKeyStatistics,assetProfile,summaryDetail&crumb=...``;
3. ``GET https://query1.finance.yahoo.com/v7/finance/quote?symbols={sym}``;
4. ``GET https://query1.finance.yahoo.com/ws/fundamentals-timeseries/v1/finance/
   timeseries/{sym}?type=trailingPegRatio...``.

:class:`YahooLoopbackSession` is a plain ``requests.Session`` (yfinance accepts it as
``session=``) that rewrites every ``https://*.yahoo.com`` URL to this server, so
yfinance's own code — cookie/crumb handling, retries, JSON parsing and the flattening
into ``info`` — runs unchanged against Yahoo-shaped answers.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit, urlunsplit

import requests


@dataclass
class YahooSecurity:
    symbol: str
    long_name: str
    sector: str | None = None
    industry: str | None = None
    short_percent_of_float: float | None = None
    quote_type: str = "EQUITY"


@dataclass
class FakeYahoo:
    securities: dict[str, YahooSecurity] = field(default_factory=dict)
    fail_status: dict[str, int] = field(default_factory=dict)  # symbol -> HTTP status
    log: list[tuple[str, dict]] = field(default_factory=list)

    def __post_init__(self):
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    def add(self, security: YahooSecurity) -> None:
        self.securities[security.symbol] = security

    def start(self) -> FakeYahoo:
        handler = type("Handler", (_Handler,), {"fake": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True,
                         name="fake-yahoo").start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeYahoo:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def paths(self) -> list[str]:
        with self._lock:
            return [path for path, _ in self.log]

    def session(self) -> YahooLoopbackSession:
        return YahooLoopbackSession(self.base_url)


class YahooLoopbackSession(requests.Session):
    """A requests session that sends every ``*.yahoo.com`` request to ``base_url``.

    The original host is kept in the ``X-Original-Host`` header.
    """

    def __init__(self, base_url: str):
        super().__init__()
        self._target = urlsplit(base_url)

    def request(self, method, url, *args, **kwargs):
        parts = urlsplit(url)
        if parts.hostname and parts.hostname.endswith("yahoo.com"):
            headers = dict(kwargs.pop("headers", None) or {})
            headers["X-Original-Host"] = parts.hostname
            kwargs["headers"] = headers
            url = urlunsplit((self._target.scheme, self._target.netloc, parts.path or "/",
                              parts.query, ""))
        return super().request(method, url, *args, **kwargs)


def _quote_summary(security: YahooSecurity) -> dict:
    profile = {}
    if security.sector is not None:
        profile["sector"] = security.sector
    if security.industry is not None:
        profile["industry"] = security.industry
    stats = {"maxAge": 1, "sharesOutstanding": 1_000_000_000}
    if security.short_percent_of_float is not None:
        stats["shortPercentOfFloat"] = security.short_percent_of_float
    result = {
        "quoteType": {"exchange": "NMS", "quoteType": security.quote_type,
                      "symbol": security.symbol, "shortName": security.long_name[:20],
                      "longName": security.long_name, "maxAge": 1},
        "defaultKeyStatistics": stats,
        "summaryDetail": {"maxAge": 1, "currency": "USD"},
        "financialData": {"maxAge": 86400, "financialCurrency": "USD"},
    }
    if profile:
        result["assetProfile"] = {**profile, "maxAge": 86400, "country": "United States"}
    return {"quoteSummary": {"result": [result], "error": None}}


class _Handler(BaseHTTPRequestHandler):
    fake: FakeYahoo
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out as two writes

    def log_message(self, format, *args) -> None:  # noqa: A002
        pass

    def _send(self, status: int, body: bytes | dict, content_type: str = "application/json",
              headers: dict | None = None) -> None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        self._send(404, b"<html>no consent here</html>", "text/html")

    def do_GET(self) -> None:  # noqa: N802
        fake = self.fake
        parts = urlsplit(self.path)
        query = parse_qs(parts.query)
        with fake._lock:
            fake.log.append((parts.path, query))
        path = parts.path
        host = self.headers.get("X-Original-Host", "")
        if host == "fc.yahoo.com":
            self._send(404, b"<html>fc</html>", "text/html",
                       {"Set-Cookie": "A3=d=fake&S=fake; Max-Age=31557600; Path=/"})
        elif path == "/v1/test/getcrumb":
            self._send(200, b"fakeCrumb123", "text/plain")
        elif path.startswith("/v10/finance/quoteSummary/"):
            symbol = path.rsplit("/", 1)[1]
            security = fake.securities.get(symbol)
            status = fake.fail_status.get(symbol)
            if status is not None:
                self._send(status, {"finance": {"result": None, "error": {
                    "code": "Too Many Requests" if status == 429 else "Internal",
                    "description": "failure injected"}}})
            elif security is None:
                self._send(404, {"quoteSummary": {"result": None, "error": {
                    "code": "Not Found",
                    "description": f"Quote not found for symbol: {symbol}"}}})
            else:
                self._send(200, _quote_summary(security))
        elif path == "/v7/finance/quote":
            symbol = (query.get("symbols") or [""])[0]
            security = fake.securities.get(symbol)
            results = []
            if security is not None and symbol not in fake.fail_status:
                results = [{"language": "en-US", "quoteType": security.quote_type,
                            "symbol": symbol, "longName": security.long_name,
                            "currency": "USD"}]
            self._send(200, {"quoteResponse": {"result": results, "error": None}})
        elif path.startswith("/ws/fundamentals-timeseries/"):
            self._send(200, {"timeseries": {"result": [], "error": None}})
        else:
            self._send(404, b"<html>not found</html>", "text/html")
