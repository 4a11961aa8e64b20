"""End to end: the demo book through upload, market data, dbt and the risk step.

The marts are recomputed here from the raw inputs (positions as uploaded, closes in
raw.prices_daily, the XNYS calendar) with plain Python loops, and must match to the
cent on both warehouses; DuckDB and PostgreSQL must produce identical marts.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import exchange_calendars as xcals
import pandas as pd
import pytest

from api.demo import load_demo_books
from flows.book_risk_step import run_book_risk_step
from flows.pipeline import run_pipeline
from ingest.warehouse import Warehouse
from tests.conftest import dispose_settings, make_settings

AS_OF = dt.date(2026, 11, 20)
CENT = 0.005


class DemoBuilds:
    """Builds the demo warehouse once per kind for this module (lazily)."""

    def __init__(self, directory_factory):
        self._directory_factory = directory_factory
        self._builds: dict[str, tuple] = {}

    def get(self, kind: str) -> tuple:
        if kind not in self._builds:
            settings = make_settings(kind, self._directory_factory.mktemp(kind),
                                     as_of_date=AS_OF)
            warehouse = Warehouse(settings)
            portfolios = load_demo_books(warehouse, today=AS_OF)
            report = run_pipeline(settings, warehouse=warehouse)
            self._builds[kind] = (settings, warehouse, portfolios, report)
        return self._builds[kind]

    def close(self) -> None:
        for settings, warehouse, _, _ in self._builds.values():
            warehouse.close()
            dispose_settings(settings)


@pytest.fixture(scope="module")
def demo_builds(tmp_path_factory):
    builds = DemoBuilds(tmp_path_factory)
    yield builds
    builds.close()


@pytest.fixture(params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def demo_build(request, demo_builds):
    return demo_builds.get(request.param)


def _frame(warehouse: Warehouse, sql: str) -> pd.DataFrame:
    with warehouse.connect() as conn:
        return conn.fetch_df(sql)


def _xnys_window(as_of: dt.date, days: int) -> list[dt.date]:
    sessions = xcals.get_calendar("XNYS").sessions_in_range("2025-01-01", as_of.isoformat())
    return [ts.date() for ts in sessions[-days:]]


def recompute_positions(warehouse: Warehouse) -> dict[tuple[int, dt.date], dict]:
    """Plain-Python valuation of every position on every window session (design §5)."""
    with warehouse.connect() as conn:
        positions = conn.fetch_dicts("select * from app.positions")
        prices = conn.fetchall("select symbol, price_date, close from raw.prices_daily")
        sessions = [r[0] for r in conn.fetchall(
            "select session_date from raw.trading_days order by session_date")]
    close = {(symbol, day): price for symbol, day, price in prices}
    window = set(sessions[-90:])
    rows = {}
    for position in positions:
        q, entry, symbol = position["quantity"], position["entry_price"], position["symbol"]
        m = 100 if len(symbol) > 6 and any(ch.isdigit() for ch in symbol) else 1
        mtd = ytd = 0.0
        previous, previous_day = None, None
        for day in sessions:
            if day < position["entry_date"] or (symbol, day) not in close:
                continue
            price = close[(symbol, day)]
            prev_price = entry if previous is None else previous
            daily = q * (price - prev_price) * m
            if previous_day is not None and (day.year, day.month) != (
                    previous_day.year, previous_day.month):
                mtd = 0.0
            if previous_day is not None and day.year != previous_day.year:
                ytd = 0.0
            mtd += daily
            ytd += daily
            previous, previous_day = price, day
            if day in window:
                rows[(position["id"], day)] = {
                    "portfolio_id": position["portfolio_id"], "price": price,
                    "market_value": abs(q) * price * m, "exposure": q * price * m,
                    "cost_basis": q * entry * m, "unrealized_pnl": q * (price - entry) * m,
                    "daily_pnl": daily, "mtd_pnl": mtd, "ytd_pnl": ytd,
                }
    return rows


def test_position_values_match_plain_python(demo_build):
    _, warehouse, _, _ = demo_build
    expected = recompute_positions(warehouse)
    marts = _frame(warehouse, "select * from marts.fct_position_values_daily")
    assert len(marts) == len(expected)
    for row in marts.itertuples():
        want = expected[(row.position_id, row.valuation_date.date())]
        for column in ("price", "market_value", "exposure", "cost_basis", "unrealized_pnl",
                       "daily_pnl", "mtd_pnl", "ytd_pnl"):
            assert getattr(row, column) == pytest.approx(want[column], abs=CENT), column


def test_portfolio_snapshots_match_plain_python(demo_build):
    _, warehouse, portfolios, _ = demo_build
    positions = recompute_positions(warehouse)
    by_day: dict[tuple[int, dt.date], list[dict]] = defaultdict(list)
    for (_, day), row in positions.items():
        by_day[(row["portfolio_id"], day)].append(row)
    snapshots = _frame(warehouse, "select * from marts.fct_portfolio_snapshots "
                                  "order by portfolio_id, snapshot_date")
    for portfolio_id in portfolios.values():
        mine = snapshots[snapshots.portfolio_id == portfolio_id]
        days = [d.date() for d in mine.snapshot_date]
        first = by_day[(portfolio_id, days[0])]
        equity = sum(r["market_value"] for r in first)
        value = equity
        for snap, day in zip(mine.itertuples(), days, strict=True):
            rows = by_day[(portfolio_id, day)]
            long = sum(r["exposure"] for r in rows if r["exposure"] > 0)
            short = sum(r["exposure"] for r in rows if r["exposure"] < 0)
            pnl = sum(r["daily_pnl"] for r in rows)
            assert snap.long_exposure == pytest.approx(long, abs=CENT)
            assert snap.short_exposure == pytest.approx(short, abs=CENT)
            assert snap.gross_exposure == pytest.approx(long - short, abs=CENT)
            assert snap.net_exposure == pytest.approx(long + short, abs=CENT)
            assert snap.daily_pnl == pytest.approx(pnl, abs=CENT)
            assert snap.equity == pytest.approx(equity, abs=CENT)
            assert snap.daily_return == pytest.approx(pnl / value, abs=1e-12)
            value += pnl
            assert snap.portfolio_value == pytest.approx(value, abs=CENT)


def test_demo_book_shape_and_calendar(demo_build):
    _, warehouse, portfolios, report = demo_build
    snapshots = _frame(warehouse, "select snapshot_date from marts.fct_portfolio_snapshots "
                                  f"where portfolio_id = {portfolios['demo_user_1']} "
                                  "order by snapshot_date")
    assert [d.date() for d in snapshots.snapshot_date] == _xnys_window(AS_OF, 90)
    latest = _frame(warehouse, "select * from marts.fct_portfolio_snapshots "
                               f"where portfolio_id = {portfolios['demo_user_1']} "
                               f"and snapshot_date = date '{AS_OF}'").iloc[0]
    assert (latest.long_count, latest.short_count) == (20, 15)
    assert latest.lc_count + latest.lp_count + latest.sc_count + latest.sp_count == 15
    assert min(latest.lc_count, latest.lp_count, latest.sc_count, latest.sp_count) >= 1
    assert 2_500_000 < latest.market_value < 3_500_000
    assert report["market_data"]["provider"] == "synthetic"


def test_rerun_changes_nothing(demo_build):
    settings, warehouse, _, _ = demo_build
    query = ("select * from marts.fct_portfolio_snapshots order by portfolio_id, snapshot_date")
    before = _frame(warehouse, query)
    counts = _frame(warehouse, "select count(*) as n from raw.prices_daily")
    run_pipeline(settings, warehouse=warehouse)
    pd.testing.assert_frame_equal(before, _frame(warehouse, query))
    after = _frame(warehouse, "select count(*) as n from raw.prices_daily")
    pd.testing.assert_frame_equal(counts, after)


@pytest.mark.postgres
def test_duckdb_and_postgres_marts_are_identical(demo_builds):
    marts = {
        "fct_portfolio_snapshots": "portfolio_id, snapshot_date",
        "fct_position_values_daily": "position_id, valuation_date",
        "dim_positions": "position_id",
    }
    duck = demo_builds.get("duckdb")[1]
    pg = demo_builds.get("postgres")[1]
    for mart, order in marts.items():
        query = f"select * from marts.{mart} order by {order}"
        left, right = _frame(duck, query), _frame(pg, query)
        assert list(left.columns) == list(right.columns)
        for column in left.columns:
            a, b = left[column], right[column]
            if pd.api.types.is_numeric_dtype(a) and pd.api.types.is_numeric_dtype(b):
                assert a.to_numpy(dtype=float) == pytest.approx(
                    b.to_numpy(dtype=float), rel=1e-12, abs=1e-9, nan_ok=True), (mart, column)
            elif pd.api.types.is_datetime64_any_dtype(a):
                assert list(a.dt.date) == list(pd.to_datetime(b).dt.date), (mart, column)
            else:
                assert a.astype(object).where(a.notna(), None).tolist() == \
                    b.astype(object).where(b.notna(), None).tolist(), (mart, column)


BOOK_MARTS = ("fct_portfolio_factor_risk", "fct_stress_results", "fct_portfolio_concentration",
              "fct_position_liquidity", "fct_portfolio_benchmark_metrics",
              "fct_portfolio_rolling_metrics", "fct_correlation_pairs")


def test_book_analytics_step_is_built_and_idempotent(demo_build):
    settings, warehouse, portfolios, report = demo_build
    book = report["risk"]["book"]
    assert book["as_of"] == AS_OF
    assert all(book["rows"][t] > 0 for t in ("portfolio_factor_risk", "stress_results",
                                             "portfolio_rolling_metrics"))
    counts = {t: _frame(warehouse, f"select count(*) as n from marts.{t}")["n"].item()
              for t in BOOK_MARTS}
    assert all(n > 0 for n in counts.values()), counts
    again = run_book_risk_step(warehouse, settings, AS_OF)  # re-run: replaces, never adds
    assert again["rows"] == book["rows"]
    for table, n in book["rows"].items():
        stored = _frame(warehouse, f"select count(*) as n from analytics.{table}")["n"].item()
        assert stored == n, table
    stress = _frame(warehouse, "select * from marts.fct_stress_results")
    for _, rows in stress.groupby(["portfolio_id", "scenario"]):
        total = rows[rows["level"] == "total"]["pnl"].item()
        assert rows[rows["level"] == "sector"]["pnl"].sum() == pytest.approx(total, rel=1e-9)
    risk = _frame(warehouse, "select * from marts.fct_portfolio_factor_risk")
    assert ((risk["factor_variance"] + risk["specific_variance"] - risk["total_variance"]).abs()
            <= 1e-9 * risk["total_variance"]).all()
