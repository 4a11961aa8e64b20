"""Property-based tests of the marts' formulas (design §5) on random books, on both warehouses.

Hypothesis generates small books (stocks and options, long and short, entry dates
inside and before the snapshot window). Each example goes through the real upload
path (``ingest.upload.upload_positions_csv``), then dbt builds the real models that
feed ``marts.fct_position_values_daily`` and ``marts.fct_portfolio_snapshots`` on
prices loaded once by the real market-data step (synthetic provider). Checked:
market value = |exposure| ≥ 0, unrealized = exposure − cost basis, gross = long − short,
net = long + short, the portfolio sums equal the position sums, and additivity:
Σ daily P&L over (t₁, T] = ΣU_T − ΣU_{t₁} per position and per portfolio, and
Σ daily P&L over the window = cumulative P&L, V = equity + cumulative P&L.
"""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from api.seed import seed_demo_users
from flows.dbt_runner import run_dbt
from flows.steps import load_prices_step
from ingest.calendar import sessions
from ingest.upload import upload_positions_csv
from ingest.warehouse import Warehouse
from ingest.warehouse.schema import ensure_schema
from tests.api.conftest import AS_OF
from tests.conftest import WAREHOUSE_KINDS, dispose_settings, make_settings
from tests.reliability.conftest import count

STOCKS = ["AAPL", "MSFT", "JPM", "XOM", "TSLA"]
OPTIONS = ["AAPL270115C00200000", "MSFT270115P00400000", "TSLA261218C00300000",
           "JPM270115P00250000"]
ENTRY_DATES = [d.date() if hasattr(d, "date") else d
               for d in sessions(dt.date(2026, 5, 1), AS_OF)]
MODELS = ["+fct_portfolio_snapshots", "+fct_position_values_daily", "+dim_positions"]
TOL = 1e-6


@pytest.fixture(scope="module", params=WAREHOUSE_KINDS)
def book_warehouse(request, tmp_path_factory):
    settings = make_settings(request.param, tmp_path_factory.mktemp("property"),
                             as_of_date=AS_OF)
    warehouse = Warehouse(settings)
    ensure_schema(warehouse)
    users = seed_demo_users(warehouse, rounds=4)
    universe = "ticker,quantity,entry_price,entry_date\n" + "".join(
        f"{symbol},1,10,2026-05-01\n" for symbol in STOCKS + OPTIONS)
    upload_positions_csv(warehouse, user_id=users["demo_user_1"], data=universe.encode(),
                         today=AS_OF)
    load_prices_step(warehouse, settings, AS_OF)  # prices of the whole universe, once
    yield settings, warehouse, users["demo_user_1"]
    warehouse.close()
    dispose_settings(settings)


position = st.tuples(
    st.sampled_from(STOCKS + OPTIONS),
    st.integers(min_value=1, max_value=500),
    st.booleans(),  # short?
    st.integers(min_value=100, max_value=50_000).map(lambda cents: cents / 100),
    st.sampled_from(ENTRY_DATES),
)
books = st.lists(position, min_size=1, max_size=6, unique_by=lambda p: (p[0], p[4]))


def _csv(book) -> bytes:
    lines = ["ticker,quantity,entry_price,entry_date"]
    for symbol, size, short, price, entry in book:
        quantity = (size % 20 + 1) if symbol in OPTIONS else size
        lines.append(f"{symbol},{-quantity if short else quantity},{price},{entry.isoformat()}")
    return ("\n".join(lines) + "\n").encode()


def _close(a: float, b: float, scale: float = 1.0) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=TOL * max(1.0, scale))


@settings(max_examples=6, deadline=None, derandomize=True, database=None,
          phases=[Phase.explicit, Phase.generate],  # no shrinking: each example runs dbt
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(book=books)
def test_mart_formulas_hold_on_random_books(book_warehouse, book):
    settings_, warehouse, user_id = book_warehouse
    result = upload_positions_csv(warehouse, user_id=user_id, data=_csv(book), today=AS_OF)
    run_dbt(["run", "--select", *MODELS], settings_)
    count("property examples (random books through dbt)")
    params = {"p": result.portfolio_id}
    with warehouse.connect() as conn:
        values = conn.fetch_df("select v.*, d.multiplier, d.quantity, d.entry_price, "
                               "d.entry_date from marts.fct_position_values_daily v "
                               "join marts.dim_positions d on d.position_id = v.position_id "
                               "where v.portfolio_id = :p order by v.position_id, "
                               "v.valuation_date", params)
        snaps = conn.fetch_df("select * from marts.fct_portfolio_snapshots "
                              "where portfolio_id = :p order by snapshot_date", params)
    assert len(snaps) > 0
    assert set(values.position_id) == set(result.position_ids)
    scale = float(values.market_value.abs().max())

    # position level
    assert (values.market_value >= 0).all()
    for row in values.itertuples():
        q, m = row.quantity, row.multiplier
        assert _close(row.market_value, abs(q) * row.price * m, scale)
        assert _close(row.exposure, q * row.price * m, scale)
        assert _close(row.cost_basis, q * row.entry_price * m, scale)
        assert _close(row.unrealized_pnl, row.exposure - row.cost_basis, scale)
    first_day = snaps.snapshot_date.min()
    for _, rows in values.groupby("position_id"):
        rows = rows.sort_values("valuation_date")
        entered_in_window = pd.Timestamp(rows.entry_date.iloc[0]) >= first_day
        start = 0.0 if entered_in_window else rows.unrealized_pnl.iloc[0]
        summed = rows.daily_pnl.sum() if entered_in_window else rows.daily_pnl.iloc[1:].sum()
        assert _close(summed, rows.unrealized_pnl.iloc[-1] - start, scale), rows

    # portfolio level, per day
    by_day = values.groupby("valuation_date")
    for snap in snaps.itertuples():
        day = by_day.get_group(snap.snapshot_date) if snap.snapshot_date in by_day.groups \
            else values.iloc[0:0]
        exposure = day.exposure
        assert snap.market_value >= 0
        assert _close(snap.gross_exposure, snap.long_exposure - snap.short_exposure, scale)
        assert _close(snap.net_exposure, snap.long_exposure + snap.short_exposure, scale)
        assert snap.short_exposure <= 0 <= snap.long_exposure
        assert _close(snap.gross_exposure, exposure.abs().sum(), scale)
        assert _close(snap.long_exposure, exposure[exposure > 0].sum(), scale)
        assert _close(snap.net_exposure, exposure.sum(), scale)
        assert _close(snap.market_value, day.market_value.sum(), scale)
        assert _close(snap.daily_pnl, day.daily_pnl.sum(), scale)
        assert snap.position_count == len(day)
        assert _close(snap.portfolio_value, snap.equity + snap.cumulative_pnl, scale)

    # additivity over the window: Σ daily P&L = change in unrealized P&L = cumulative P&L
    unrealized = values.groupby("valuation_date").unrealized_pnl.sum()
    unrealized = unrealized.reindex(snaps.snapshot_date, fill_value=0.0)
    assert _close(snaps.daily_pnl.iloc[1:].sum(),
                  unrealized.iloc[-1] - unrealized.iloc[0], scale)
    assert _close(snaps.daily_pnl.sum(), snaps.cumulative_pnl.iloc[-1], scale)
