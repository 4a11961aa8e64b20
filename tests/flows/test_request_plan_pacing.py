"""The demo book at Polygon's free-tier rate, against a fake that enforces it strictly.

Time is scaled 100×: the fake answers 429 to any request that would make more than 5
accepted requests in a rolling 0.6 s window (5 per 60 s). The client's rate is 300 per
scaled minute (one request per 0.2 s), 60 % of the limit: arrival times on a loaded CI
machine jitter by tens of milliseconds, and a retry after a 429 would be one request
more than planned. A backfill and five daily updates of the market-data
step must each make exactly the requests their plan (recorded on the batch run before
the step started) announced, with no window over the limit and no 429; a daily update
of the stocks and ETFs is one grouped request plus the splits check; and each step
finishes well within the timeout its plan derives.
"""

from __future__ import annotations

import datetime as dt
import time

import pytest

from api.demo import load_demo_books
from flows.plan import STEPS, BatchContext, execute_plan
from ingest.calendar import sessions
from ingest.occ import is_option_symbol
from ingest.security_master import symbols_for_book
from ingest.warehouse import Warehouse
from ingest.warehouse.batch_runs import create_batch_run, get_batch_run
from tests.conftest import dispose_settings, make_settings
from tests.fakes.fake_polygon import FakePolygon

LIMIT, WINDOW = 5, 0.6            # Polygon's 5 per 60 s, scaled 100×
RATE = 300.0                      # per (scaled) minute: 60 % of the limit
DAYS = sessions(dt.date(2026, 11, 13), dt.date(2026, 11, 20))  # backfill + 5 updates


def max_in_window(times: list[float]) -> int:
    """Most requests in any half-open window (t − WINDOW, t]."""
    return max((sum(1 for u in times if t - WINDOW < u <= t) for t in times), default=0)


@pytest.mark.parametrize("kind", ["duckdb"])  # the request path does not depend on it
def test_demo_book_at_the_free_tier_rate_makes_exactly_the_planned_requests(kind, tmp_path):
    with FakePolygon(limit=(LIMIT, WINDOW)) as fake:
        settings = make_settings(kind, tmp_path, as_of_date=DAYS[0],
                                 polygon_api_key=fake.api_key, polygon_base_url=fake.base_url,
                                 polygon_requests_per_minute=RATE, yfinance_enabled=False)
        warehouse = Warehouse(settings)
        try:
            load_demo_books(warehouse, today=DAYS[0])
            with warehouse.connect() as conn:
                symbols = symbols_for_book(conn)
            fake.market.universe = {s for s in symbols if not is_option_symbol(s)}
            options = sum(1 for s in symbols if is_option_symbol(s))
            assert len(symbols) >= 63  # stocks, ETFs and option contracts
            for index, day in enumerate(DAYS):
                fake.market.today = day
                run_id = create_batch_run(warehouse, "daily_update")
                ctx = BatchContext(settings.model_copy(update={"as_of_date": day}), warehouse,
                                   day, run_id, priority="realtime" if index == 0 else "batch")
                before = len(fake.log)
                started = time.monotonic()
                report = execute_plan(ctx, [STEPS["market_data"]])
                seconds = time.monotonic() - started
                plan = get_batch_run(warehouse, run_id)["details"]["request_plan"]
                made = fake.log[before:]
                assert len(made) == plan["requests"], (
                    day, plan, [(r.path, r.status) for r in made if r.status != 200])
                assert report["market_data"]["request_plan"]["requests"] == plan["requests"]
                assert not [r for r in made if r.status == 429]
                assert max_in_window([r.at for r in fake.log]) <= LIMIT
                timeout = STEPS["market_data"].timeout(BatchContext(
                    settings, warehouse, day, request_plan=None))
                assert seconds < timeout
                assert seconds >= plan["expected_seconds"] * 0.9
                if index == 0:  # backfill: per symbol beats ~250 grouped sessions
                    assert plan["grouped_requests"] == 0
                    assert plan["per_symbol_requests"] == len(symbols)
                else:           # daily: one grouped request for every stock and ETF
                    stock_requests = [r for r in made if "/v2/aggs/ticker/O:" not in r.path]
                    assert len(stock_requests) == plan["grouped_requests"] + 1 <= 3
                    assert plan["per_symbol_requests"] == options
            with warehouse.connect() as conn:
                last = conn.fetch_one("select count(distinct symbol) as n from "
                                      "raw.prices_daily where price_date = :d", {"d": DAYS[-1]})
            assert last["n"] == len(symbols)
        finally:
            warehouse.close()
            dispose_settings(settings)
