"""Load market data into the raw tables: sessions, security master, daily bars, errors.

One call of :func:`load_market_data` covers the history window of one as-of date
(:func:`ingest.calendar.history_start` … as-of) and writes, in one transaction:

- ``raw.trading_days``: replaced by the XNYS sessions of the window,
  ``session_index`` 0 = as-of, 1 = the session before, ...;
- ``raw.securities``: upserted (delete + insert) for every requested symbol.
  ``asset_type`` is OPTION for OCC symbols (type, strike and expiry from the symbol,
  ``underlying_symbol`` = the OCC root), ETF for known ETFs, STOCK otherwise
  (:mod:`ingest.security_master`).
  Reference data (name, sector, industry, short interest) comes from the reference
  provider; an option takes its underlying's. A reference failure is recorded in
  ``reference_error`` and keeps the previously stored reference values; it never
  blocks the load;
- ``raw.prices_daily``: for each symbol that returned bars, its rows in the window are
  deleted and the new bars inserted, so re-running never duplicates. A symbol that
  failed keeps its previous rows;
- ``raw.market_data_errors``: for every requested symbol the previous outcome is
  replaced, one row per symbol that failed (invalid symbol, unknown ticker, no data,
  rate limit, ...). One failing symbol never aborts the others;
- splits (a provider with ``splits``, i.e. Polygon; :mod:`ingest.splits`): new splits
  of the stocks and ETFs go to ``raw.splits``, a history that predates a new split is
  fetched again whole, then every position's lot is brought to today's share terms
  (``app.positions``, ``app.position_events``). A failed splits request is recorded
  under the symbol ``_splits`` and never blocks the prices.

The provider is called before the write transaction opens, so a slow network never
holds the DuckDB writer lock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import pandas as pd

from ingest import calendar, splits
from ingest.backfill_progress import backfill_prices, record_symbol_error
from ingest.config import Settings
from ingest.grouped_bars import prefetch_grouped
from ingest.market_cache import CachedPriceProvider, utc_now
from ingest.market_plan import load_scope, plan_for, prepare_splits
from ingest.providers import (
    BAR_COLUMNS,
    BarsResult,
    PriceProvider,
    ReferenceProvider,
    ReferenceResult,
)
from ingest.rate_limit import Priority
from ingest.security_master import (
    stored_securities,
    with_reference,
    with_updated_at,
)
from ingest.synthetic import SyntheticProvider
from ingest.warehouse import Connection, Warehouse, in_list

Result = TypeVar("Result", BarsResult, ReferenceResult)


@dataclass
class LoadReport:
    """Outcome of one load.

    ``errors`` maps each symbol whose prices did not load to the reason;
    ``reference_errors`` each symbol whose reference data did not (non-blocking).
    """

    as_of: dt.date
    start: dt.date
    end: dt.date
    symbols_loaded: list[str]
    rows: int
    errors: dict[str, str]
    provider: str
    reference_errors: dict[str, str] = field(default_factory=dict)
    plan: dict | None = None  # the request plan carried out (ingest/request_plan.py)


def make_price_provider(settings: Settings, warehouse: Warehouse | None = None) -> PriceProvider:
    """The configured price provider: Polygon when an API key is set, else synthetic.

    With a ``warehouse``, Polygon sits behind :class:`ingest.market_cache.CachedPriceProvider`
    (stored days are not fetched again; 24 h response cache).
    """
    if settings.market_data_provider == "polygon":
        from ingest.polygon import PolygonProvider

        polygon = PolygonProvider(settings)
        if warehouse is None:
            return polygon
        from ingest.market_cache import CachedPriceProvider

        return CachedPriceProvider(polygon, warehouse)
    return SyntheticProvider(settings.risk_free_rate)


def make_reference_provider(settings: Settings,
                            warehouse: Warehouse | None = None) -> ReferenceProvider:
    """The reference-data provider: yfinance with real (Polygon) prices, else synthetic.

    yfinance is used only when Polygon is configured and ``settings.yfinance_enabled``,
    so the offline synthetic demo never reaches for the network.
    """
    if settings.market_data_provider == "polygon" and settings.yfinance_enabled:
        from ingest.yfinance_reference import YFinanceReferenceProvider

        return YFinanceReferenceProvider(warehouse)
    return SyntheticProvider(settings.risk_free_rate)


def load_market_data(warehouse: Warehouse, settings: Settings, *,
                     symbols: Iterable[str] | None = None, as_of: dt.date | None = None,
                     provider: PriceProvider | None = None,
                     reference_provider: ReferenceProvider | None = None,
                     batch_run_id: str | None = None,
                     priority: Priority = "batch") -> LoadReport:
    """Load the history window of ``as_of`` for ``symbols`` into the raw tables.

    The security master and the trading days are written in one transaction; then the
    request plan is made (:mod:`ingest.request_plan`: per symbol, or one grouped request
    per session when that is cheaper), new splits are fetched, the grouped requests are
    made, and prices are backfilled symbol by symbol
    (:func:`ingest.backfill_progress.backfill_prices`), each symbol committed with its
    row of ``app.historical_backfill_progress``, so progress is readable while the load
    runs and a crash half-way loses nothing that a rerun does not fill in.

    Parameters
    ----------
    symbols : iterable of str, optional
        Defaults to :func:`symbols_for_book`; given symbols are extended by their
        options' underlyings.
    as_of : datetime.date, optional
        Defaults to ``settings.as_of_date``, else :func:`ingest.calendar.default_as_of`
        of now. A non-session date means the last session before it.
    provider, reference_provider : optional
        Default to :func:`make_price_provider` / :func:`make_reference_provider`.
    batch_run_id : str, optional
        Id of the progress row (the ``app.batch_runs`` id of the run, when there is one).
    priority : {'realtime', 'batch', 'backfill'}
        Of every provider request: ``realtime`` for a user's upload (someone waits),
        ``batch`` for the scheduled run, ``backfill`` for background warming.

    Returns
    -------
    LoadReport
        Window, symbols whose bars loaded, rows written and per-symbol errors.
    """
    scope = load_scope(warehouse, settings, symbols, as_of)
    as_of, start, wanted, master, errors = (scope.as_of, scope.start, scope.wanted,
                                            scope.master, dict(scope.errors))
    valid, stock_symbols = scope.valid, scope.stocks
    reference_provider = reference_provider or make_reference_provider(settings, warehouse)
    reference = _fetch(lambda: reference_provider.reference_data(list(stock_symbols)),
                       list(stock_symbols), ReferenceResult)
    with warehouse.connect() as conn:
        stored = stored_securities(conn, valid)
        securities = with_updated_at(with_reference(master, reference, stored), stored,
                                     utc_now())
        _replace_trading_days(conn, calendar.sessions(start, as_of))
        _delete_in(conn, "raw.securities", valid)
        conn.insert_df("raw.securities", securities)
        _delete_in(conn, "raw.market_data_errors", wanted)
        conn.insert_df("raw.market_data_errors", pd.DataFrame(
            {"symbol": list(errors), "provider": "security_master",
             "error": list(errors.values())}))

    owned = provider is None
    provider = provider or make_price_provider(settings, warehouse)
    options: dict[str, Any] = (
        {"priority": priority} if isinstance(provider, CachedPriceProvider) else {})
    rate = settings.polygon_requests_per_minute
    try:
        grouped = settings.polygon_grouped_daily
        plan = plan_for(warehouse, provider, scope, rate, grouped=grouped)
        refetch, split_error = prepare_splits(warehouse, provider, stock_symbols, start,
                                              as_of, priority)
        if refetch and plan is not None:  # a new split: those histories come again whole
            plan = plan_for(warehouse, provider, scope, rate,
                            split_requests=plan.split_requests, grouped=grouped)
        if plan is not None and plan.grouped_sessions:
            prefetch_grouped(provider, plan, priority)  # type: ignore[arg-type]
        backfill = backfill_prices(
            warehouse, provider, valid, start, as_of, batch_run_id=batch_run_id,
            clean=lambda bars: clean_bars(bars, valid, start, as_of), **options)
    finally:
        if isinstance(provider, CachedPriceProvider):
            provider.refresh, provider.prefetched = set(), {}
            provider.prefetched_days = set()
        if owned and hasattr(provider, "close"):
            provider.close()
    with warehouse.connect() as conn:
        splits.mark_histories_adjusted(
            conn, [s for s in refetch if s not in backfill.errors], as_of)
        splits.apply_position_splits(conn, as_of)
        record_symbol_error(conn, "_splits", provider.name, split_error)
    errors.update(backfill.errors)
    loaded = sorted(set(valid) - set(backfill.errors))
    rows = sum(backfill.rows_written.values())
    reference_errors = securities.dropna(subset=["reference_error"])
    return LoadReport(as_of, start, as_of, loaded, rows, dict(sorted(errors.items())),
                      provider.name, dict(zip(reference_errors["symbol"],
                                              reference_errors["reference_error"], strict=True)),
                      plan.summary() if plan is not None else None)


def _fetch(call: Callable[[], Result], symbols: Sequence[str],
           result_type: type[Result]) -> Result:
    """Run a provider call; a provider-wide exception becomes an error for every symbol."""
    try:
        return call()
    except Exception as error:  # noqa: BLE001 - recorded per symbol, never aborts the load
        reason = f"provider failed: {type(error).__name__}: {error}"
        return result_type(errors=dict.fromkeys(symbols, reason))


def clean_bars(bars: pd.DataFrame, symbols: Sequence[str], start: dt.date,
               end: dt.date) -> pd.DataFrame:
    """Keep requested symbols on XNYS sessions ``start … end`` with a close; one row each.

    A duplicated (symbol, price_date) keeps its last row.
    """
    if bars.empty:
        return pd.DataFrame({column: [] for column in BAR_COLUMNS})
    frame = bars.loc[:, list(BAR_COLUMNS)].copy()
    frame["price_date"] = pd.to_datetime(frame["price_date"]).dt.date
    keep = (frame["symbol"].isin(symbols) & frame["close"].notna()
            & frame["price_date"].isin(calendar.sessions(start, end)))
    frame = frame[keep].drop_duplicates(["symbol", "price_date"], keep="last")
    frame["trades"] = frame["trades"].astype("Int64")
    return frame.sort_values(["symbol", "price_date"]).reset_index(drop=True)


def _replace_trading_days(conn: Connection, days: list[dt.date]) -> None:
    conn.execute("delete from raw.trading_days")
    conn.insert_df("raw.trading_days", pd.DataFrame(
        {"session_date": days, "session_index": range(len(days) - 1, -1, -1)}))


def _delete_in(conn: Connection, table: str, symbols: Sequence[str], condition: str = "",
               params: dict[str, Any] | None = None) -> None:
    """Delete the rows of ``symbols`` (and ``condition``) from ``table``."""
    if not len(symbols):
        return
    clause, symbol_params = in_list("symbol", symbols)
    extra = f" and {condition}" if condition else ""
    conn.execute(f"delete from {table} where symbol in {clause}{extra}",
                 {**symbol_params, **(params or {})})
