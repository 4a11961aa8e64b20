"""Historical price backfill, one symbol at a time, with progress the API can read.

:func:`backfill_prices` walks the symbols of a backfill run. For each symbol it asks
the provider (normally a :class:`~ingest.market_cache.CachedPriceProvider`, so stored
days and fresh cache entries cost no request), then in **one transaction** replaces
that symbol's rows of the fetched date span in ``raw.prices_daily``, records the
symbol's outcome in ``raw.market_data_errors`` and updates the run's
``app.historical_backfill_progress`` row. So the progress row is committed per symbol
(readable while the run goes on) and always agrees with the prices written: a crash
half-way leaves complete symbols and untouched ones, never a half-written symbol,
and a rerun fetches only what is missing.

Progress row (``app.historical_backfill_progress``, one per ``batch_run_id``):
``portfolio_id`` (the run's, from ``app.batch_runs``; NULL for a scheduled run),
``created_at`` (first written: :func:`queue_progress` when the run is queued),
``total_symbols``, ``processed_symbols`` (done, successfully or not),
``failed_symbols``, ``status`` (``pending`` → ``processing`` → ``completed``, or
``failed`` when the run raised or every symbol failed; per-symbol failures of a completed run are in
``failed_symbols`` / ``error_details``), ``started_at`` / ``updated_at`` /
``completed_at`` (UTC) and ``error_details`` (JSON ``{symbol: reason}``). A run that
raises is marked ``failed`` with the exception under the key ``"_run"``.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import pandas as pd

from ingest.market_cache import BAR_COLUMNS, utc_now
from ingest.warehouse import Connection, Warehouse

PENDING, RUNNING, COMPLETED, FAILED = "pending", "processing", "completed", "failed"


class BackfillProgress:
    """The progress row of one backfill run."""

    def __init__(self, warehouse: Warehouse, batch_run_id: str, provider: str,
                 start: dt.date | None, end: dt.date | None, total: int):
        self.warehouse = warehouse
        self.batch_run_id = batch_run_id
        self.provider = provider
        self.start = start
        self.end = end
        self.total = total
        self.processed = 0
        self.failed = 0
        self.errors: dict[str, str] = {}

    @classmethod
    def begin(cls, warehouse: Warehouse, *, provider: str, start: dt.date | None,
              end: dt.date | None, total: int, batch_run_id: str | None = None
              ) -> BackfillProgress:
        """Create (or restart) the row of ``batch_run_id`` with status ``running``."""
        progress = cls(warehouse, batch_run_id or uuid.uuid4().hex, provider, start, end,
                       total)
        now = utc_now()
        with warehouse.connect() as conn:
            first = conn.fetch_one("select created_at from app.historical_backfill_progress "
                                   "where batch_run_id = :id", {"id": progress.batch_run_id})
            run = conn.fetch_one("select portfolio_id from app.batch_runs where id = :id",
                                 {"id": progress.batch_run_id})
            conn.execute("delete from app.historical_backfill_progress "
                         "where batch_run_id = :id", {"id": progress.batch_run_id})
            conn.execute(
                "insert into app.historical_backfill_progress (batch_run_id, provider, "
                "start_date, end_date, total_symbols, processed_symbols, failed_symbols, "
                "status, started_at, updated_at, error_details, portfolio_id, created_at) "
                "values (:id, :provider, :start, :end, :total, 0, 0, :status, :now, :now, "
                ":details, :portfolio, :created)",
                {"id": progress.batch_run_id, "provider": provider, "start": start,
                 "end": end, "total": total, "status": RUNNING, "now": now,
                 "details": "{}", "portfolio": run["portfolio_id"] if run else None,
                 "created": (first or {}).get("created_at") or now},
            )
        return progress

    def record(self, conn: Connection, symbol: str, error: str | None) -> None:
        """Count one finished symbol, inside the caller's transaction."""
        self.processed += 1
        if error is not None:
            self.failed += 1
            self.errors[symbol] = error
        conn.execute(
            "update app.historical_backfill_progress set processed_symbols = :processed, "
            "failed_symbols = :failed, error_details = :details, updated_at = :now "
            "where batch_run_id = :id",
            {"processed": self.processed, "failed": self.failed,
             "details": json.dumps(self.errors, sort_keys=True), "now": utc_now(),
             "id": self.batch_run_id},
        )

    def finish(self, status: str | None = None, run_error: str | None = None) -> str:
        """Close the run: ``completed``, or ``failed`` if every symbol failed."""
        if status is None:
            status = FAILED if self.total and self.failed == self.total else COMPLETED
        details = dict(self.errors)
        if run_error is not None:
            details["_run"] = run_error
        now = utc_now()
        with self.warehouse.connect() as conn:
            conn.execute(
                "update app.historical_backfill_progress set status = :status, "
                "processed_symbols = :processed, failed_symbols = :failed, "
                "error_details = :details, updated_at = :now, completed_at = :now "
                "where batch_run_id = :id",
                {"status": status, "processed": self.processed, "failed": self.failed,
                 "details": json.dumps(details, sort_keys=True), "now": now,
                 "id": self.batch_run_id},
            )
        return status


def queue_progress(warehouse: Warehouse, batch_run_id: str, provider: str,
                   portfolio_id: int | None = None) -> None:
    """Write the ``pending`` row of a queued run (its ``created_at``), before it starts."""
    now = utc_now()
    with warehouse.connect() as conn:
        conn.execute("delete from app.historical_backfill_progress where batch_run_id = :id",
                     {"id": batch_run_id})
        conn.execute(
            "insert into app.historical_backfill_progress (batch_run_id, provider, status, "
            "started_at, updated_at, error_details, portfolio_id, created_at) values (:id, "
            ":provider, :status, :now, :now, :details, :portfolio, :now)",
            {"id": batch_run_id, "provider": provider, "status": PENDING, "now": now,
             "details": "{}", "portfolio": portfolio_id})


def read_progress(warehouse: Warehouse, batch_run_id: str) -> dict | None:
    """The progress row as a dict (``error_details`` decoded), or None."""
    with warehouse.connect() as conn:
        row = conn.fetch_one("select * from app.historical_backfill_progress "
                             "where batch_run_id = :id", {"id": batch_run_id})
    if row is not None:
        row["error_details"] = json.loads(row["error_details"] or "{}")
    return row


@dataclass
class BackfillReport:
    batch_run_id: str
    status: str
    rows_written: dict[str, int] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


def write_symbol_bars(conn: Connection, symbol: str, bars: pd.DataFrame) -> int:
    """Replace ``symbol``'s rows over the span of ``bars`` (idempotent); returns rows."""
    if bars.empty:
        return 0
    frame = bars.reindex(columns=BAR_COLUMNS).copy()
    frame["price_date"] = pd.to_datetime(frame["price_date"]).dt.date
    conn.execute(
        "delete from raw.prices_daily where symbol = :symbol and price_date >= :lo "
        "and price_date <= :hi",
        {"symbol": symbol, "lo": min(frame["price_date"]), "hi": max(frame["price_date"])},
    )
    frame["loaded_at"] = utc_now()
    return conn.insert_df("raw.prices_daily", frame)


def record_symbol_error(conn: Connection, symbol: str, provider: str,
                         error: str | None) -> None:
    conn.execute("delete from raw.market_data_errors where symbol = :symbol "
                 "and provider = :provider", {"symbol": symbol, "provider": provider})
    if error is not None:
        conn.execute("insert into raw.market_data_errors (symbol, provider, error, "
                     "recorded_at) values (:symbol, :provider, :error, :now)",
                     {"symbol": symbol, "provider": provider, "error": error,
                      "now": utc_now()})


def backfill_prices(warehouse: Warehouse, provider, symbols: Iterable[str], start: dt.date,
                    end: dt.date, *, batch_run_id: str | None = None,
                    on_symbol: Callable[[str, int, str | None], None] | None = None,
                    clean: Callable[[pd.DataFrame], pd.DataFrame] | None = None,
                    **provider_options) -> BackfillReport:
    """Backfill daily bars of ``symbols`` over [start, end], committing per symbol.

    Parameters
    ----------
    provider : PriceProvider
        Wrap it in :class:`~ingest.market_cache.CachedPriceProvider` to skip stored
        days and use the response cache.
    batch_run_id : str, optional
        Id of the progress row (e.g. the ``app.batch_runs`` id); a new uuid otherwise.
    on_symbol : callable, optional
        Called as ``on_symbol(symbol, rows_written, error)`` after each symbol's
        transaction has committed (for logs, or tests that stop a run half-way).
    clean : callable, optional
        Applied to each symbol's bars before they are written (e.g. keep sessions only).
    provider_options
        Passed to ``provider.daily_bars`` (e.g. ``priority="backfill"``).
    """
    symbols = list(dict.fromkeys(symbols))
    progress = BackfillProgress.begin(warehouse, provider=provider.name, start=start,
                                      end=end, total=len(symbols), batch_run_id=batch_run_id)
    report = BackfillReport(progress.batch_run_id, RUNNING)
    try:
        for symbol in symbols:
            try:
                result = provider.daily_bars([symbol], start, end, **provider_options)
                error = result.errors.get(symbol)
                bars = result.bars[result.bars["symbol"] == symbol] if error is None else None
                if bars is not None and clean is not None:
                    bars = clean(bars)
            except Exception as exc:  # a provider bug must not stop the other symbols
                error, bars = f"{type(exc).__name__}: {exc}", None
            if error is None and (bars is None or bars.empty):
                error = f"no bars for {symbol} in {start}..{end}"
            with warehouse.connect() as conn:
                written = write_symbol_bars(conn, symbol, bars) if bars is not None and \
                    error is None else 0
                record_symbol_error(conn, symbol, provider.name, error)
                progress.record(conn, symbol, error)
            report.rows_written[symbol] = written
            if error is not None:
                report.errors[symbol] = error
            if on_symbol is not None:
                on_symbol(symbol, written, error)
    except BaseException as exc:
        report.status = progress.finish(FAILED, run_error=f"{type(exc).__name__}: {exc}")
        raise
    report.status = progress.finish()
    return report
