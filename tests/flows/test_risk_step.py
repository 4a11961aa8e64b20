"""The risk step's read-compute-write half on both warehouses.

The stage-1 relations it reads (staging.*, intermediate.*) are stand-in tables filled with
the seeded world of :mod:`tests.utils.risk_world`, so the step is tested without dbt. What
it stores must equal the pure computation on the same world built in memory (whose numbers
``tests/python_models/test_risk_step.py`` checks against independent references).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from flows.risk_step import run_risk_step
from python_models.risk_step import ANALYTICS_TABLES, compute_risk
from tests.utils.risk_world import STAGE1_DDL, load_world, risk_inputs, synthetic_world


@pytest.fixture
def world(warehouse, settings):
    world = synthetic_world()
    load_world(warehouse, world)
    world["report"] = run_risk_step(warehouse, settings)
    return world


def table(warehouse, name: str) -> pd.DataFrame:
    with warehouse.connect() as conn:
        return conn.fetch_df(f"select * from analytics.{name}")


KEYS = {"position_greeks": ["position_id"], "factor_betas": ["symbol", "factor"],
        "position_factor_exposures": ["position_id", "factor"],
        "portfolio_factor_exposures": ["portfolio_id", "factor"],
        "portfolio_risk_metrics": ["portfolio_id"],
        "var_components": ["portfolio_id", "component_key"]}


def test_stored_tables_equal_the_pure_computation(warehouse, world):
    assert world["report"]["as_of"] == world["as_of"]
    expected = compute_risk(risk_inputs(world), world["as_of"], 0.045)
    for name in ANALYTICS_TABLES:
        stored = table(warehouse, name)
        assert (stored["as_of_date"] == pd.Timestamp(world["as_of"])).all()
        assert world["report"]["rows"][name] == len(stored) == len(expected[name])
        keys = KEYS[name]
        stored = stored.sort_values(keys).reset_index(drop=True)
        mine = expected[name].sort_values(keys).reset_index(drop=True)
        for column in mine.columns.intersection(stored.columns):
            left, right = _comparable(stored[column]), _comparable(mine[column])
            if isinstance(right, np.ndarray):
                assert left == pytest.approx(right, rel=1e-12, nan_ok=True), (name, column)
            else:
                assert left == right, (name, column)


def _comparable(values: pd.Series) -> np.ndarray | list:
    """Numbers (ids included, whatever their dtype) as floats; anything else as text."""
    if pd.api.types.is_datetime64_any_dtype(values):
        values = values.dt.strftime("%Y-%m-%d %H:%M:%S")
    if values.dtype != bool:
        numeric = pd.to_numeric(values, errors="coerce")
        if numeric.notna().sum() == values.notna().sum():
            return numeric.astype(float).to_numpy()
    return [None if pd.isna(v) else str(v) for v in values]


def test_rerun_is_idempotent(warehouse, settings, world):
    before = {t: table(warehouse, t) for t in ("factor_betas", "var_components",
                                                "position_greeks")}
    run_risk_step(warehouse, settings, as_of=world["as_of"])
    for name, frame in before.items():
        after = table(warehouse, name)
        assert len(after) == len(frame)
        pd.testing.assert_frame_equal(
            frame.drop(columns="computed_at").sort_values(list(frame.columns[:3]))
            .reset_index(drop=True),
            after.drop(columns="computed_at").sort_values(list(frame.columns[:3]))
            .reset_index(drop=True))


def test_empty_warehouse_is_a_no_op(warehouse, settings):
    with warehouse.connect() as conn:
        for statement in STAGE1_DDL:
            conn.execute(statement)
    assert run_risk_step(warehouse, settings)["as_of"] is None


def test_as_of_snaps_to_latest_session(warehouse, settings):
    world = synthetic_world()
    load_world(warehouse, world)
    report = run_risk_step(warehouse, settings, as_of=world["as_of"] + dt.timedelta(days=2))
    assert report["as_of"] == world["as_of"]
