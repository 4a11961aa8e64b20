"""dbt build on a hand-built book: marts vs a plain-Python recomputation, on DuckDB and
PostgreSQL, and the two warehouses against each other.

The warehouse of each kind is built once for the module (lazily); each test reads the
frames captured after the build.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections import defaultdict

import pandas as pd
import pytest

from flows.dbt_runner import DbtError, run_dbt
from ingest.warehouse import Warehouse
from ingest.warehouse.schema import ensure_schema
from tests.conftest import dispose_settings, make_settings
from tests.dbt import dataset

TOLERANCE = 1e-9
TABLES = {
    "marts.dim_positions": "position_id",
    "marts.fct_position_values_daily": "position_id, valuation_date",
    "marts.fct_portfolio_snapshots": "portfolio_id, snapshot_date",
    "intermediate.int_positions_enriched": "position_id",
    "intermediate.int_position_values_daily": "position_id, valuation_date",
    "intermediate.int_portfolio_values_daily": "portfolio_id, snapshot_date",
    "marts.fct_group_exposures_daily": "portfolio_id, snapshot_date, grouping, group_name",
    "marts.fct_position_weights": "position_id",
}
POSITION_COLUMNS = ("price", "previous_price", "market_value", "exposure", "cost_basis",
                    "unrealized_pnl", "daily_pnl", "mtd_pnl", "ytd_pnl")
SNAPSHOT_COLUMNS = ("equity", "market_value", "long_exposure", "short_exposure",
                    "gross_exposure", "net_exposure", "daily_pnl", "mtd_pnl", "ytd_pnl",
                    "cumulative_pnl", "portfolio_value", "previous_portfolio_value",
                    "daily_return", "position_count", "stale_position_count", "long_count",
                    "short_count", "lc_count", "lp_count", "sc_count", "sp_count")


def _records(frame: pd.DataFrame) -> list[dict]:
    """Rows as plain Python values: dates as ``date``, NULL/NaN/NaT as ``None``."""
    records = []
    for row in frame.to_dict("records"):
        clean = {}
        for key, value in row.items():
            if value is None or (isinstance(value, float) and math.isnan(value)) \
                    or value is pd.NaT:
                value = None
            elif isinstance(value, pd.Timestamp):
                value = value.date()
            elif hasattr(value, "item"):  # numpy scalar
                value = value.item()
            clean[key] = value
        records.append(clean)
    return records


class Builds:
    """One warehouse per kind: schema, hand-built data, `dbt build`, frames captured."""

    def __init__(self, directory_factory):
        self._directory_factory = directory_factory
        self._builds: dict[str, dict[str, list[dict]]] = {}
        self._settings = []

    def get(self, kind: str) -> dict[str, list[dict]]:
        if kind not in self._builds:
            settings = make_settings(kind, self._directory_factory.mktemp(f"dbt-{kind}"))
            self._settings.append(settings)
            warehouse = Warehouse(settings)
            try:
                ensure_schema(warehouse)
                dataset.load(warehouse)
                run_dbt(["build", "--vars",
                         json.dumps({"snapshot_days": dataset.SNAPSHOT_DAYS})], settings)
                with warehouse.connect() as conn:
                    self._builds[kind] = {
                        table: _records(conn.fetch_df(
                            f"select * from {table} order by {order}"))
                        for table, order in TABLES.items()
                    }
            finally:
                warehouse.close()
        return self._builds[kind]

    def close(self) -> None:
        for settings in self._settings:
            dispose_settings(settings)


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    builds = Builds(tmp_path_factory)
    yield builds
    builds.close()


@pytest.fixture(params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def build(request, builds) -> dict[str, list[dict]]:
    return builds.get(request.param)


@pytest.mark.parametrize("table", ["marts.dim_positions", "intermediate.int_positions_enriched"])
def test_dim_positions_match_hand_expectations(build, table):
    rows = {row["position_id"]: row for row in build[table]}
    assert set(rows) == {p[0] for p in dataset.POSITIONS}
    for pid, portfolio_id, symbol, q, entry, entry_date in dataset.POSITIONS:
        row = rows[pid]
        assert (row["portfolio_id"], row["symbol"], row["quantity"], row["entry_price"],
                row["entry_date"]) == (portfolio_id, symbol, q, entry, entry_date)
        assert (row["underlying_symbol"], row["asset_type"], row["position_type"],
                row["option_type"], row["strike"], row["expiry_date"], row["multiplier"],
                row["sector"]) == dataset.EXPECTED_DIM[pid]
    assert list(build[table][0]) == [
        "position_id", "portfolio_id", "symbol", "underlying_symbol", "asset_type",
        "position_type", "option_type", "strike", "expiry_date", "quantity", "entry_price",
        "entry_date", "multiplier", "sector", "industry"]


@pytest.mark.parametrize(("table", "window_only"), [
    ("marts.fct_position_values_daily", True),
    ("intermediate.int_position_values_daily", False),
])
def test_position_values_match_plain_python(build, table, window_only):
    expected = {key: row for key, row in dataset.recompute_positions().items()
                if not window_only or key[1] in dataset.WINDOW}
    rows = build[table]
    assert {(r["position_id"], r["valuation_date"]) for r in rows} == set(expected)
    for row in rows:
        want = expected[(row["position_id"], row["valuation_date"])]
        assert row["portfolio_id"] == want["portfolio_id"]
        for column in POSITION_COLUMNS:
            assert row[column] == pytest.approx(want[column], abs=TOLERANCE, rel=0), column
        assert row["price_source"] == ("synthetic" if row["position_id"] in {3, 4, 5, 6, 8}
                                       else "polygon")
        assert (row["price_date"], row["price_is_stale"]) == (want["price_date"],
                                                              want["price_is_stale"])


def test_position_value_rules(build):
    """The rules spelled out: entry-date previous price, gaps, the off-calendar close."""
    rows = {(r["position_id"], r["valuation_date"]): r
            for r in build["intermediate.int_position_values_daily"]}
    dates = {pid: sorted(d for p, d in rows if p == pid) for pid in range(1, 12)}
    # Entered before the history: the first loaded session is measured from entry.
    assert dates[1][0] == dataset.SESSIONS[0]
    assert rows[(1, dataset.SESSIONS[0])]["previous_price"] == 180.5
    # Entered on a Saturday: first row the next session (Tuesday after MLK day).
    assert dates[4][0] == dt.date(2025, 1, 21)
    assert rows[(4, dt.date(2025, 1, 21))]["previous_price"] == 6.5
    # A missing close carries the last one forward, stale, with no P&L; the next
    # fresh row is measured from it.
    jan31, feb3 = rows[(2, dt.date(2025, 1, 31))], rows[(2, dt.date(2025, 2, 3))]
    assert (feb3["price"], feb3["price_date"], feb3["price_is_stale"]) == (
        jan31["price"], dt.date(2025, 1, 31), True)
    assert feb3["daily_pnl"] == feb3["mtd_pnl"] == 0  # first February row: MTD restarts
    assert rows[(2, dt.date(2025, 1, 22))]["price_is_stale"] is True
    feb4 = rows[(2, dt.date(2025, 2, 4))]
    assert feb4["previous_price"] == jan31["price"]
    assert feb4["price_is_stale"] is False
    assert feb4["mtd_pnl"] == feb4["daily_pnl"]
    # A close on a non-session date is ignored; a position entered after as-of has no row.
    assert dt.date(2025, 1, 18) not in dates[1]
    assert dates[11] == []
    # Daily P&L since entry adds up to the unrealized P&L (no P&L is lost in gaps).
    for pid in (2, 3, 4, 7):
        last = rows[(pid, dates[pid][-1])]
        total = sum(rows[(pid, d)]["daily_pnl"] for d in dates[pid])
        assert total == pytest.approx(last["unrealized_pnl"], abs=TOLERANCE)


@pytest.mark.parametrize("table", ["marts.fct_portfolio_snapshots",
                                   "intermediate.int_portfolio_values_daily"])
def test_portfolio_snapshots_match_plain_python(build, table):
    expected = dataset.recompute_snapshots()
    rows = build[table]
    assert {(r["portfolio_id"], r["snapshot_date"]) for r in rows} == set(expected)
    for row in rows:
        want = expected[(row["portfolio_id"], row["snapshot_date"])]
        for column in SNAPSHOT_COLUMNS:
            assert row[column] == pytest.approx(want[column], abs=TOLERANCE, rel=0), column


def test_snapshot_window_and_start(build):
    rows = build["marts.fct_portfolio_snapshots"]
    days = {pid: [r["snapshot_date"] for r in rows if r["portfolio_id"] == pid]
            for pid in (1, 2, 3, 4)}
    assert days[1] == dataset.WINDOW  # entered before the window: every window session
    assert days[2] == [d for d in dataset.WINDOW if d >= dt.date(2025, 1, 27)]
    assert days[3] == days[4] == []  # nothing valued in the window: no rows
    first = {r["portfolio_id"]: r for r in rows if r["snapshot_date"] == days[r["portfolio_id"]][0]}
    assert first[2]["equity"] == 50_000.0  # set on upload
    assert first[1]["equity"] == first[1]["market_value"]  # default rule
    assert first[1]["previous_portfolio_value"] == first[1]["equity"]


def test_group_exposures_and_weights_match_plain_python(build):
    """Sector (NULL → 'Unknown') and asset-type groups and weights, recomputed by hand."""
    equity = {(p, d): row["equity"] for (p, d), row in dataset.recompute_snapshots().items()}
    expected: dict[tuple, dict] = {}
    weights = {}
    for (pid, day), value in dataset.recompute_positions().items():
        key_day = (value["portfolio_id"], day)
        if key_day not in equity:
            continue
        _, asset_type, *_, sector = dataset.EXPECTED_DIM[pid]
        for grouping, name in (("sector", sector or "Unknown"), ("asset_type", asset_type),
                               ("tag", "untagged")):
            row = expected.setdefault((*key_day, grouping, name), defaultdict(float))
            exposure = value["exposure"]
            row["long_exposure"] += max(exposure, 0.0)
            row["short_exposure"] += min(exposure, 0.0)
            row["gross_exposure"] += abs(exposure)
            row["net_exposure"] += exposure
            row["market_value"] += value["market_value"]
            row["position_count"] += 1
        weights[(pid, day)] = (value["exposure"] / equity[key_day],
                               value["market_value"] / equity[key_day])
    rows = [r for r in build["marts.fct_group_exposures_daily"] if r["grouping"] != "industry"]
    assert {(r["portfolio_id"], r["snapshot_date"], r["grouping"], r["group_name"])
            for r in rows} == set(expected)
    assert any(key[3] == "Unknown" for key in expected)  # XYZ has no sector: never dropped
    for row in rows:
        want = expected[(row["portfolio_id"], row["snapshot_date"], row["grouping"],
                         row["group_name"])]
        for column, value in want.items():
            assert row[column] == pytest.approx(value, abs=TOLERANCE, rel=0), column
        assert row["net_of_equity"] == pytest.approx(
            want["net_exposure"] / row["equity"], rel=1e-12)
    weight_rows = build["marts.fct_position_weights"]
    last = {}
    for portfolio_id, day in equity:
        last[portfolio_id] = max(day, last.get(portfolio_id, day))
    portfolio_of = {p[0]: p[1] for p in dataset.POSITIONS}
    weights = {key: w for key, w in weights.items() if key[1] == last[portfolio_of[key[0]]]}
    assert {(r["position_id"], r["valuation_date"]) for r in weight_rows} == set(weights)
    for row in weight_rows:
        exposure_weight, mv_weight = weights[(row["position_id"], row["valuation_date"])]
        assert row["exposure_weight"] == pytest.approx(exposure_weight, rel=1e-12)
        assert row["market_value_weight"] == pytest.approx(mv_weight, rel=1e-12)


@pytest.mark.postgres
def test_duckdb_and_postgres_build_identical_tables(builds):
    duck, pg = builds.get("duckdb"), builds.get("postgres")
    for table in TABLES:
        assert duck[table] == pg[table], table


def test_orphan_position_fails_the_build(warehouse, settings):
    """A failing data test (here: relationships to app.portfolios) fails `dbt build`."""
    dataset.load(warehouse)
    with warehouse.connect() as conn:
        conn.execute("insert into app.positions (id, portfolio_id, symbol, quantity, "
                     "entry_price, entry_date) values (99, 99, 'AAPL', 1, 1, date '2025-01-02')")
    with pytest.raises(DbtError, match="relationships"):
        run_dbt(["build", "--select", "+dim_positions"], settings)
