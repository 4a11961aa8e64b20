"""The sharded risk step on both warehouses: shards, one portfolio's run, bounded reads.

Stand-in stage-1 tables hold the many-book world (:mod:`tests.utils.risk_books`). The
reference is the same step with one shard holding every portfolio, which
``test_risk_step.py`` checks against the pure computation; the comparison rules (bit
for bit per security and per position, 1e-12 for per-portfolio aggregates) are in
:mod:`tests.utils.risk_compare`.
"""

from __future__ import annotations

import pandas as pd
import pytest

from flows.risk_step import run_risk_step
from python_models.risk_step import ANALYTICS_TABLES
from tests.utils.risk_books import many_books
from tests.utils.risk_compare import KEYS, assert_same_tables
from tests.utils.risk_world import load_world

N_BOOKS = 11


def stored(warehouse) -> dict[str, pd.DataFrame]:
    with warehouse.connect() as conn:
        return {t: conn.fetch_df(f"select * from analytics.{t}") for t in ANALYTICS_TABLES}


def sized(settings, size: int):
    return settings.model_copy(update={"risk_shard_portfolios": size})


@pytest.fixture
def world(warehouse):
    world = many_books(N_BOOKS)
    load_world(warehouse, world)
    return world


def test_shards_of_any_size_store_the_same_rows(warehouse, settings, world):
    whole = run_risk_step(warehouse, sized(settings, 1000))
    assert whole["shards"] == 1
    assert whole["portfolios"] == N_BOOKS + 2
    expected = stored(warehouse)
    for size in (1, 4):
        report = run_risk_step(warehouse, sized(settings, size))
        assert report["shards"] == -(-(N_BOOKS + 2) // size)
        assert report["rows"] == whole["rows"]
        assert_same_tables(expected, stored(warehouse))


def test_one_portfolio_replaces_only_its_rows(warehouse, settings, world):
    """An upload's run: book 4's rows are those of a full run, book 5's stay as they were
    although its inputs changed too (a recomputation would change them)."""
    run_risk_step(warehouse, sized(settings, 3))
    before = stored(warehouse)
    with warehouse.connect() as conn:
        conn.execute("update intermediate.int_positions_enriched set quantity = 2 * quantity "
                     "where portfolio_id in (4, 5)")
    report = run_risk_step(warehouse, sized(settings, 3), portfolio_ids=[4, 999])
    assert report["portfolios"] == 1
    assert report["shards"] == 1
    partial = stored(warehouse)
    for table in ANALYTICS_TABLES:
        if table == "factor_betas":
            continue
        keys = KEYS[table]
        others = partial[table].query("portfolio_id != 4").sort_values(keys)
        kept = before[table].query("portfolio_id != 4").sort_values(keys)
        pd.testing.assert_frame_equal(others.reset_index(drop=True),
                                      kept.reset_index(drop=True))  # untouched, bit for bit
    run_risk_step(warehouse, sized(settings, 3))
    full = stored(warehouse)
    mine = {t: f[f["portfolio_id"] == 4] if t != "factor_betas" else f
            for t, f in full.items()}
    ours = {t: f[f["portfolio_id"] == 4] if t != "factor_betas" else f
            for t, f in partial.items()}
    assert len(ours["position_greeks"]) == 7
    doubled = before["position_greeks"].query("portfolio_id == 4").sort_values("position_id")
    assert (ours["position_greeks"].sort_values("position_id")["quantity"].to_numpy()
            == 2 * doubled["quantity"].to_numpy()).all()
    assert_same_tables(mine, ours)
