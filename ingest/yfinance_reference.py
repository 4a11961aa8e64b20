"""Security reference data from Yahoo Finance through yfinance: sector, industry, short interest.

:class:`YFinanceReferenceProvider` implements
:class:`~ingest.providers.ReferenceProvider`. For each symbol it reads
``yfinance.Ticker(symbol, session=...).info`` and keeps:

=================  ==========================================================
column             ``Ticker.info`` key (Yahoo quoteSummary module)
=================  ==========================================================
``name``           ``longName`` or ``shortName`` (``quoteType``)
``sector``         ``sector`` (``assetProfile``)
``industry``       ``industry`` (``assetProfile``)
``short_interest`` ``shortPercentOfFloat`` (``defaultKeyStatistics``), a
                   fraction of float (0.05 = 5 %), as Yahoo reports it
=================  ==========================================================

Options take their underlying's data (queried once); share classes are spelled the
Yahoo way (``BRK.B`` → ``BRK-B``). ETFs have no sector or industry in Yahoo; an
answer that identifies the security (a name or a quote type) but has neither is
accepted with NULLs.

Failures never raise: an exception inside yfinance (network, HTTP error, rate limit)
or an answer with nothing in it (yfinance hides most HTTP errors and returns an
almost empty ``info`` — the same silent-empty behaviour as offline ``yf.download``)
is recorded as a per-symbol error, so enrichment never blocks position creation.

Caching: with a ``warehouse``, symbols whose ``raw.securities`` row was enriched by
yfinance (``reference_source = 'yfinance'``, no ``reference_error``) less than ``ttl``
ago are answered from the warehouse without a request; :func:`write_reference`
stores an answer there.

Test seam: ``session`` is handed to yfinance unchanged (``Ticker(..., session=)``),
and yfinance accepts any ``requests.Session``. The tests pass a session that
redirects Yahoo's hosts to a loopback server speaking Yahoo's cookie, crumb,
quoteSummary, v7 quote and fundamentals-timeseries JSON, so yfinance's own request
and parsing code runs end to end. yfinance keeps one process-wide ``YfData``
singleton; the last session passed wins.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable

import pandas as pd

from ingest.market_cache import utc_now
from ingest.occ import OccSymbolError, is_option_symbol, parse_occ
from ingest.providers import ReferenceResult
from ingest.warehouse import Connection, Warehouse

REFERENCE_COLUMNS = ["symbol", "name", "sector", "industry", "short_interest",
                     "reference_source"]
REFERENCE_TTL = dt.timedelta(hours=24)
_IDENTITY_KEYS = ("longName", "shortName", "quoteType", "sector", "industry",
                  "shortPercentOfFloat")
log = logging.getLogger(__name__)


def yahoo_symbol(symbol: str) -> str:
    """The Yahoo ticker to ask for ``symbol``: the underlying of an option, ``-`` classes."""
    if is_option_symbol(symbol):
        try:
            symbol = parse_occ(symbol).root
        except OccSymbolError:
            return symbol
    return symbol.replace(".", "-")


def _text(value) -> str | None:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    text = str(value).strip()
    return text or None


def _fraction(value) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    if pd.isna(number) or number < 0:
        return None
    return number


def parse_info(info: dict | None) -> dict | str:
    """The reference fields of a ``Ticker.info`` dict, or the reason it is unusable."""
    if not info or not isinstance(info, dict):
        return "empty answer from Yahoo Finance"
    if not any(_text(info.get(key)) for key in _IDENTITY_KEYS):
        return "empty answer from Yahoo Finance (unknown symbol or request refused)"
    return {
        "name": _text(info.get("longName")) or _text(info.get("shortName")),
        "sector": _text(info.get("sector")),
        "industry": _text(info.get("industry")),
        "short_interest": _fraction(info.get("shortPercentOfFloat")),
    }


class YFinanceReferenceProvider:
    """Sector, industry and short interest per symbol from yfinance.

    Parameters
    ----------
    warehouse : Warehouse, optional
        Enables the ``raw.securities`` cache (``ttl``).
    session : requests.Session or curl_cffi Session, optional
        Passed to ``yfinance.Ticker(session=...)``; yfinance's default otherwise.
    ticker_factory : callable, optional
        ``ticker_factory(symbol) -> object with .info``; overrides yfinance entirely.
    """

    name = "yfinance"

    def __init__(self, warehouse: Warehouse | None = None, *, session=None,
                 ticker_factory: Callable[[str], object] | None = None,
                 ttl: dt.timedelta = REFERENCE_TTL,
                 now: Callable[[], dt.datetime] = utc_now):
        self.warehouse = warehouse
        self.session = session
        self.ticker_factory = ticker_factory
        self.ttl = ttl
        self.now = now
        self.requests_made = 0
        self.fresh: set[str] = set()  # symbols answered by Yahoo in the last call

    def _ticker(self, yahoo: str):
        if self.ticker_factory is not None:
            return self.ticker_factory(yahoo)
        import yfinance as yf

        if self.session is not None:
            return yf.Ticker(yahoo, session=self.session)
        return yf.Ticker(yahoo)

    def fetch_one(self, yahoo: str) -> dict | str:
        """Reference fields of one Yahoo ticker, or the reason for failing."""
        self.requests_made += 1
        try:
            info = self._ticker(yahoo).info
        except Exception as error:  # yfinance raises many types; none may escape
            status = getattr(getattr(error, "response", None), "status_code", None)
            if status is not None:  # HTTPError: its text repeats the URL and crumb
                return f"yfinance: HTTP {status} from Yahoo Finance for {yahoo}"
            return f"yfinance error for {yahoo}: {type(error).__name__}: {error}"[:500]
        return parse_info(info)

    def cached(self, symbols: list[str]) -> pd.DataFrame:
        """Fresh yfinance rows of ``raw.securities`` for ``symbols``."""
        if self.warehouse is None or not symbols:
            return pd.DataFrame(columns=REFERENCE_COLUMNS)
        with self.warehouse.connect() as conn:
            rows = conn.fetch_dicts(
                "select symbol, name, sector, industry, short_interest, reference_source, "
                "updated_at from raw.securities where reference_source = 'yfinance' "
                "and reference_error is null and updated_at > :since",
                {"since": self.now() - self.ttl},
            )
        wanted = set(symbols)
        frame = pd.DataFrame([row for row in rows if row["symbol"] in wanted],
                             columns=[*REFERENCE_COLUMNS, "updated_at"])
        return frame[REFERENCE_COLUMNS]

    def reference_data(self, symbols: Iterable[str]) -> ReferenceResult:
        symbols = list(dict.fromkeys(symbols))
        cached = self.cached(symbols)
        todo = [symbol for symbol in symbols if symbol not in set(cached["symbol"])]
        answers: dict[str, dict | str] = {}
        for yahoo in dict.fromkeys(yahoo_symbol(symbol) for symbol in todo):
            answers[yahoo] = self.fetch_one(yahoo)
        rows, errors = [], {}
        for symbol in todo:
            answer = answers[yahoo_symbol(symbol)]
            if isinstance(answer, str):
                errors[symbol] = answer
                log.info("reference data for %s failed: %s", symbol, answer)
            else:
                rows.append({"symbol": symbol, **answer, "reference_source": "yfinance"})
        self.fresh = {row["symbol"] for row in rows}
        frame = pd.concat([cached, pd.DataFrame(rows, columns=REFERENCE_COLUMNS)],
                          ignore_index=True) if rows else cached.reset_index(drop=True)
        return ReferenceResult(frame=frame, errors=errors)


def write_reference(conn: Connection, result: ReferenceResult, source: str = "yfinance",
                    fresh: set[str] | None = None) -> int:
    """Store an answer in existing ``raw.securities`` rows; returns rows updated.

    ``fresh`` (the provider's ``fresh`` set) limits the update to symbols actually
    fetched, so rows served from the cache keep their ``updated_at`` and expire.

    Enriched symbols get name (when known), sector, industry, short interest,
    ``reference_source`` and a cleared ``reference_error``; failed symbols keep their
    previous values and get ``reference_error`` set. Rows are created by the market
    data loader (it knows the asset type); symbols without a row are skipped.
    """
    now = utc_now()
    updated = 0
    for row in result.frame.to_dict("records"):
        if fresh is not None and row["symbol"] not in fresh:
            continue
        conn.execute(
            "update raw.securities set name = coalesce(:name, name), sector = :sector, "
            "industry = :industry, short_interest = :short_interest, "
            "reference_source = :source, reference_error = null, updated_at = :now "
            "where symbol = :symbol",
            {"name": _text(row.get("name")), "sector": _text(row.get("sector")),
             "industry": _text(row.get("industry")),
             "short_interest": _fraction(row.get("short_interest")), "source": source,
             "now": now, "symbol": row["symbol"]},
        )
        updated += 1
    for symbol, reason in result.errors.items():
        conn.execute("update raw.securities set reference_error = :reason, updated_at = :now "
                     "where symbol = :symbol", {"reason": reason, "now": now,
                                                "symbol": symbol})
    return updated
