"""The risk step sharded by portfolio equals the all-at-once computation (no database).

The reference is :func:`python_models.risk_step.compute_risk` on every portfolio at
once (its figures are checked against independent references in ``test_risk_step.py``);
the world has books with short, late and missing histories, books without positions
or without days, tags and a split option (see :mod:`tests.utils.risk_books`).
"""

from __future__ import annotations

import pandas as pd
import pytest

from python_models.risk_shards import (
    compute_risk_sharded,
    merge_outputs,
    portfolios_of,
    select_portfolios,
    shard_ids,
    split_inputs,
)
from python_models.risk_step import RiskInputs, compute_risk, portfolio_risk, shared_state
from tests.utils.risk_books import many_books
from tests.utils.risk_compare import EXACT_TABLES, assert_same_tables
from tests.utils.risk_world import risk_inputs

N_BOOKS = 23


@pytest.fixture(scope="module")
def books():
    world = many_books(N_BOOKS)
    inputs = risk_inputs(world)
    split = {int(inputs.positions["position_id"].iloc[2]): "underlying_split 2026-09-01"}
    inputs = RiskInputs(**{**inputs.__dict__, "split_options": split})
    return world, inputs, compute_risk(inputs, world["as_of"], 0.045)


def test_shard_ids_cover_every_portfolio_once_in_order():
    assert shard_ids([5, 3, 3, 9, 1], 2) == [[1, 3], [5, 9]]
    assert shard_ids([5, 3, 1], 1) == [[1], [3], [5]]
    assert shard_ids([5, 3, 1], 10) == [[1, 3, 5]]
    assert shard_ids([], 3) == []
    with pytest.raises(ValueError, match="at least one"):
        shard_ids([1], 0)


def test_split_inputs_partition_the_rows(books):
    _, inputs, _ = books
    portfolio = inputs.portfolio_inputs()
    assert portfolios_of(portfolio) == list(range(1, N_BOOKS + 3))
    shards = list(split_inputs(portfolio, 4))
    assert len(shards) == -(-(N_BOOKS + 2) // 4)
    for name in ("positions", "portfolio_days", "tags"):
        joined = pd.concat([getattr(s, name) for s in shards], ignore_index=True)
        whole = getattr(portfolio, name)
        assert len(joined) == len(whole)
        pd.testing.assert_frame_equal(
            joined.sort_values(list(joined.columns[:2])).reset_index(drop=True),
            whole.sort_values(list(whole.columns[:2])).reset_index(drop=True))
    assert {k: v for s in shards for k, v in s.split_options.items()} == inputs.split_options


@pytest.mark.parametrize("size", [1, 2, 7, N_BOOKS + 2, 1000])
def test_sharded_equals_all_at_once(books, size):
    world, inputs, expected = books
    actual = compute_risk_sharded(inputs, world["as_of"], 0.045, size)
    differences = assert_same_tables(expected, actual)
    assert all(differences[table] == 0.0 for table in EXACT_TABLES)
    if size >= N_BOOKS + 2:  # one shard: the same computation, every figure bit for bit
        assert set(differences.values()) == {0.0}


def test_one_portfolio_alone_equals_its_rows_of_the_whole(books):
    """What an upload's run computes for its book (the market and the metric window of
    every portfolio, the portfolio half of its own): its rows of the full run."""
    world, inputs, expected = books
    market, dates = shared_state(inputs, world["as_of"], 0.045)
    actual = portfolio_risk(market, select_portfolios(inputs.portfolio_inputs(), [4]), dates)
    mine = {t: f[f["portfolio_id"] == 4] for t, f in expected.items() if t in actual}
    assert len(mine["position_greeks"]) == 7
    assert_same_tables(mine, actual, tables=tuple(actual))


def test_merge_outputs_concatenates_per_table():
    a = {"t": pd.DataFrame({"x": [1, 2]})}
    b = {"t": pd.DataFrame({"x": [3]})}
    assert merge_outputs([a, b])["t"]["x"].tolist() == [1, 2, 3]
