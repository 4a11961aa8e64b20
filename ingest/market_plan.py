"""What a market-data load will ask the provider: its window, symbols, splits and plan.

:func:`load_scope` resolves the as-of date, the history window and the symbols the same
way for the planner and the loader; :func:`plan_for` turns the symbols' missing sessions
into a :class:`~ingest.request_plan.RequestPlan`; :func:`plan_market_data` does that
before a batch starts (no request is made), so the run records its plan and derives its
timeouts from it. :func:`prepare_splits` fetches new splits and picks the histories a
split made stale (:mod:`ingest.splits`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pandas as pd

from ingest import calendar, splits
from ingest.config import Settings
from ingest.grouped_bars import has_grouped, symbol_needs
from ingest.market_cache import CachedPriceProvider
from ingest.rate_limit import Priority
from ingest.request_plan import RequestPlan, plan_requests
from ingest.security_master import expand_symbols, security_master, symbols_for_book
from ingest.warehouse import Warehouse, in_list


@dataclass(frozen=True)
class LoadScope:
    as_of: dt.date
    start: dt.date
    wanted: list[str]                 # requested symbols (+ underlyings), valid or not
    master: pd.DataFrame              # security master of the valid ones
    errors: dict[str, str]            # invalid symbols and why

    @property
    def valid(self) -> list[str]:
        return self.master["symbol"].tolist()

    @property
    def stocks(self) -> list[str]:
        """Stocks and ETFs: held ones, options' underlyings and factor ETFs."""
        frame = self.master
        return list(frame.loc[frame["asset_type"] != "OPTION", "underlying_symbol"].unique())


def load_scope(warehouse: Warehouse, settings: Settings, symbols: Iterable[str] | None,
               as_of: dt.date | None) -> LoadScope:
    """As-of (a session), window start and symbols of a load (see ``load_market_data``)."""
    as_of = calendar.previous_session(
        as_of or settings.as_of_date or calendar.default_as_of(dt.datetime.now(dt.UTC)))
    start = calendar.history_start(as_of, settings.snapshot_days)
    if symbols is None:
        with warehouse.connect() as conn:
            wanted = symbols_for_book(conn)
    else:
        wanted = expand_symbols(symbols)
    master, errors = security_master(wanted)
    return LoadScope(as_of, start, list(wanted), master, errors)


def plan_for(warehouse: Warehouse, provider: object, scope: LoadScope, rate: float, *,
             split_requests: int | None = None, grouped: bool = True) -> RequestPlan | None:
    """The request plan of ``provider`` for ``scope``; None for a provider without one
    (the synthetic generator makes no requests)."""
    if not isinstance(provider, CachedPriceProvider):
        return None
    if split_requests is None:
        split_requests = 0
        if hasattr(provider, "splits"):
            with warehouse.connect() as conn:
                earliest = splits.earliest_needed(conn, scope.start)
                due = splits.split_window(conn, sorted(scope.stocks), earliest, scope.as_of)
            split_requests = int(due is not None)
    needs = symbol_needs(provider, scope.valid, scope.start, scope.as_of)
    return plan_requests(needs, rate, grouped=grouped and has_grouped(provider),
                         split_requests=split_requests)


def plan_market_data(warehouse: Warehouse, settings: Settings,
                     as_of: dt.date | None = None) -> RequestPlan | None:
    """The plan of the next load of every book, made without any request."""
    from ingest.market_data import make_price_provider

    scope = load_scope(warehouse, settings, None, as_of)
    provider = make_price_provider(settings, warehouse)
    try:
        return plan_for(warehouse, provider, scope, settings.polygon_requests_per_minute,
                        grouped=settings.polygon_grouped_daily)
    finally:
        if hasattr(provider, "close"):
            provider.close()


def prepare_splits(warehouse: Warehouse, provider: object, symbols: Sequence[str],
                   start: dt.date, as_of: dt.date,
                   priority: Priority | None = None) -> tuple[list[str], str | None]:
    """Fetch new splits (when the provider has them) and pick the histories to refetch.

    Returns (symbols refetched whole, splits error or None). Their stored rows before
    the window and their cached answers are dropped, and a caching provider is told to
    bypass stored rows for them (``provider.refresh``).
    """
    fetch = getattr(provider, "splits", None)
    if fetch is None:
        return [], None
    symbols = sorted(symbols)
    with warehouse.connect() as conn:
        earliest = splits.earliest_needed(conn, start)
    _, error = splits.refresh_splits(warehouse.connect,
                                     lambda lo, hi: fetch(lo, hi, priority=priority),
                                     symbols, earliest, as_of)
    with warehouse.connect() as conn:
        refetch = splits.histories_to_refetch(conn, symbols, as_of)
        if refetch:
            clause, params = in_list("s", refetch)
            conn.execute(f"delete from raw.prices_daily where symbol in {clause} "
                         "and price_date < :start", {**params, "start": start})
            conn.execute(f"delete from raw.market_data_cache where symbol in {clause}",
                         params)
    if isinstance(provider, CachedPriceProvider):
        provider.refresh = set(refetch)
    return refetch, error
