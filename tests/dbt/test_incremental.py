"""Incremental = full refresh, on DuckDB and PostgreSQL.

Two warehouses of one kind take the same changes (:mod:`tests.dbt.incremental_chain`):
an upload, three daily updates (a month boundary with a stale close carried forward and
a late close of an already built session, then the history's start sliding past a
portfolio's first session), then an upload that removes a position with a portfolio
deleted. Warehouse A follows them with plain ``dbt build`` (incremental), B with
``dbt build --full-refresh`` after each change; every incremental model, mart and
intermediate table of A equals B's, whole (numbers to 1e-12 relative). An upload
must leave every row of the untouched portfolio 2 in place (same physical row).
"""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest

from flows.dbt_runner import run_dbt
from ingest.warehouse import Warehouse
from ingest.warehouse.schema import ensure_schema
from tests.conftest import dispose_settings, make_settings
from tests.dbt import dataset
from tests.dbt import incremental_chain as chain

VARS = ["--vars", json.dumps({"snapshot_days": dataset.SNAPSHOT_DAYS})]
RELATIVE = 1e-12


def _assert_equal_tables(incremental: dict[str, pd.DataFrame],
                         full: dict[str, pd.DataFrame], step: str) -> None:
    for table, frame in full.items():
        other = incremental[table]
        assert list(other.columns) == list(frame.columns), (step, table)
        assert len(other) == len(frame), (step, table, len(other), len(frame))
        for column in frame.columns:
            for a, b in zip(other[column].tolist(), frame[column].tolist(), strict=True):
                if isinstance(b, float) and not (math.isnan(b) and math.isnan(a)):
                    assert math.isclose(a, b, rel_tol=RELATIVE, abs_tol=1e-9), \
                        (step, table, column, a, b)
                elif not (isinstance(b, float) and math.isnan(b)):
                    assert a == b or (pd.isna(a) and pd.isna(b)), (step, table, column, a, b)


@pytest.fixture(params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def pair(request, tmp_path):
    made = [make_settings(request.param, tmp_path / name) for name in ("inc", "full")]
    warehouses = [Warehouse(settings) for settings in made]
    try:
        for warehouse in warehouses:
            ensure_schema(warehouse)
            chain.load_until(warehouse)
        yield list(zip(made, warehouses, strict=True))
    finally:
        for warehouse, settings in zip(warehouses, made, strict=True):
            warehouse.close()
            dispose_settings(settings)


def _step(pair, change, step: str, *, untouched: int | None = None) -> None:
    (inc_settings, inc), (full_settings, full) = pair
    before = chain.row_identities(inc, untouched) if untouched else None
    for warehouse in (inc, full):
        change(warehouse)
    run_dbt(["build", *VARS], inc_settings)
    run_dbt(["build", "--full-refresh", *VARS], full_settings)
    if untouched:
        assert chain.row_identities(inc, untouched) == before, step
    _assert_equal_tables(chain.read_tables(inc), chain.read_tables(full), step)


def test_incremental_builds_equal_full_refresh(pair):
    (inc_settings, inc), (full_settings, _) = pair
    run_dbt(["build", *VARS], inc_settings)
    run_dbt(["build", *VARS], full_settings)
    _step(pair, lambda wh: None, "no change", untouched=2)
    _step(pair, chain.upload_changes, "upload", untouched=2)
    _step(pair, chain.add_session, "daily 31 Jan")
    _step(pair, lambda wh: chain.add_session(wh, fill=("TSLA", dataset.D("2025-01-22"))),
          "daily 3 Feb (month boundary, TSLA stale, a late TSLA close of 22 Jan)")
    _step(pair, lambda wh: chain.add_session(wh, slide=True),
          "daily 4 Feb (the history's start slides past AAPL's and XYZ's first session)")
    _step(pair, chain.upload_removal, "upload removing XYZ, portfolio 3 deleted",
          untouched=2)
    with inc.connect() as conn:
        assert conn.fetch_one("select count(*) as n from marts.fct_position_values_daily "
                              "where position_id = 7")["n"] == 0
        assert conn.fetch_one("select count(*) as n from intermediate.int_position_values_daily"
                              " where portfolio_id = 3")["n"] == 0
