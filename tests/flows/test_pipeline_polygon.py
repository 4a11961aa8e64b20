"""The whole demo pipeline with the Polygon provider pointed at the loopback fake.

The fake serves the synthetic generator's bars over Polygon's wire format, so the
marts must equal those of the synthetic provider exactly; every price row must say
it came from Polygon, and a second run must make no request at all (cache).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from api.demo import load_demo_books
from flows.pipeline import run_pipeline
from ingest.warehouse import Warehouse
from tests.conftest import WAREHOUSE_KINDS, dispose_settings, make_settings
from tests.fakes.fake_polygon import FakePolygon

AS_OF = dt.date(2026, 11, 20)
COMPARED = {
    "fct_position_values_daily": "position_id, valuation_date",
    "fct_portfolio_snapshots": "portfolio_id, snapshot_date",
}


def build(kind: str, directory, **overrides) -> tuple:
    settings = make_settings(kind, directory, as_of_date=AS_OF, **overrides)
    warehouse = Warehouse(settings)
    load_demo_books(warehouse, today=AS_OF)
    run_pipeline(settings, warehouse=warehouse)
    return settings, warehouse


def marts(warehouse: Warehouse) -> dict[str, pd.DataFrame]:
    with warehouse.connect() as conn:
        return {name: conn.fetch_df(f"select * from marts.{name} order by {order}")
                for name, order in COMPARED.items()}


@pytest.mark.parametrize("kind", WAREHOUSE_KINDS)
def test_polygon_pipeline_equals_synthetic_pipeline(kind, tmp_path):
    with FakePolygon() as fake:
        polygon_settings, polygon_wh = build(
            kind, tmp_path / "polygon", polygon_api_key=fake.api_key,
            polygon_base_url=fake.base_url, polygon_requests_per_minute=0,
            yfinance_enabled=False)
        synthetic_settings, synthetic_wh = build(kind, tmp_path / "synthetic")
        try:
            with polygon_wh.connect() as conn:
                sources = conn.fetchall("select distinct source from raw.prices_daily")
            assert sources == [("polygon",)]
            first_run_requests = len(fake.aggregate_requests())
            assert first_run_requests > 0
            got, want = marts(polygon_wh), marts(synthetic_wh)
            assert set(got["fct_position_values_daily"].price_source) == {"polygon"}
            for name in COMPARED:
                pd.testing.assert_frame_equal(
                    got[name].drop(columns=["price_source"], errors="ignore"),
                    want[name].drop(columns=["price_source"], errors="ignore"),
                    check_exact=False, rtol=1e-12, atol=1e-9)
            run_pipeline(polygon_settings, warehouse=polygon_wh)
            assert len(fake.aggregate_requests()) == first_run_requests
        finally:
            for settings, warehouse in ((polygon_settings, polygon_wh),
                                        (synthetic_settings, synthetic_wh)):
                warehouse.close()
                dispose_settings(settings)
