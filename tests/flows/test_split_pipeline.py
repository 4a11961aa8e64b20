"""A 2-for-1 split of a held stock between two daily runs, against the fake Polygon.

Run 1 (as of D1, the day before the split): the fake answers AAPL's history as traded
(the split has not executed). Run 2 (as of D2, the execution date): the fake now answers
the whole history ÷ 2. The warehouse must refetch AAPL's history, double the lot's
quantity and halve its entry price, and end up with exactly the marts of a clean
rebuild: a fresh warehouse whose holder uploads the post-split book on D2 (200 shares,
the entry price as traded, which the upload adjusts by the split since the entry).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from flows.pipeline import run_pipeline
from ingest.upload import upload_positions_csv
from ingest.warehouse import Warehouse
from ingest.warehouse.schema import ensure_schema
from tests.conftest import WAREHOUSE_KINDS, dispose_settings, make_settings
from tests.fakes.fake_market import synthetic_bars
from tests.fakes.fake_polygon import FakePolygon

D1, D2 = dt.date(2026, 11, 19), dt.date(2026, 11, 20)
ENTRY = dt.date(2026, 10, 1)
OPTION = "AAPL270618C00210000"
# Marts whose every number must match the clean rebuild (returns, P&L, betas, σ, VaR).
MARTS = ("fct_position_values_daily", "fct_portfolio_snapshots", "fct_factor_betas",
         "fct_portfolio_risk_metrics", "fct_var_components", "fct_position_greeks",
         "fct_position_factor_exposures", "fct_portfolio_factor_exposures")


def as_traded_entry() -> float:
    """AAPL's close on the entry date as traded then: the adjusted close × 2, in cents."""
    bars = synthetic_bars("AAPL", ENTRY, ENTRY)
    return round(float(bars["close"].iloc[0]) * 2, 2)


def book(aapl_quantity: int) -> bytes:
    entry = as_traded_entry()
    return (f"ticker,quantity,entry_price,entry_date,tags\n"
            f"AAPL,{aapl_quantity},{entry},{ENTRY},tech\n"
            f"MSFT,50,300.00,{ENTRY},tech\n"
            f"XOM,-80,110.00,2026-10-15,energy\n"
            f"{OPTION},3,20.00,{ENTRY},options\n").encode()


def build(settings, fake: FakePolygon, today: dt.date, data: bytes) -> Warehouse:
    warehouse = Warehouse(settings)
    ensure_schema(warehouse)
    fake.market.today = today
    upload_positions_csv(warehouse, user_id=1, data=data, today=today)
    run_pipeline(settings, warehouse=warehouse)
    return warehouse


def mart(warehouse: Warehouse, name: str) -> pd.DataFrame:
    with warehouse.connect() as conn:
        frame = conn.fetch_df(f"select * from marts.{name}")
    frame = frame.drop(columns=[c for c in frame.columns if c.endswith("_at")])
    keys = [c for c in frame.columns if not pd.api.types.is_float_dtype(frame[c])]
    floats = [c for c in frame.columns if c not in keys]
    return frame.sort_values(keys + floats).reset_index(drop=True)


def aapl_position(warehouse: Warehouse, day: dt.date) -> dict:
    with warehouse.connect() as conn:
        return conn.fetch_one(
            "select p.quantity, p.entry_price, p.entry_price_as_traded, v.cost_basis, "
            "v.unrealized_pnl from app.positions p join marts.fct_position_values_daily v "
            "on v.position_id = p.id where p.symbol = 'AAPL' and v.valuation_date = :d",
            {"d": day})


@pytest.mark.parametrize("kind", WAREHOUSE_KINDS)
def test_split_between_two_runs_equals_a_clean_rebuild(kind, tmp_path):
    with FakePolygon() as fake:
        fake.market.add_split("AAPL", D2, split_from=1, split_to=2)
        overrides = {"polygon_api_key": fake.api_key, "polygon_base_url": fake.base_url,
                     "polygon_requests_per_minute": 0, "yfinance_enabled": False}
        daily = make_settings(kind, tmp_path / "daily", as_of_date=D1, **overrides)
        clean = make_settings(kind, tmp_path / "clean", as_of_date=D2, **overrides)
        try:
            warehouse = build(daily, fake, D1, book(100))
            before = aapl_position(warehouse, D1)
            entry = as_traded_entry()
            assert (before["quantity"], before["entry_price"]) == (100, entry)

            fake.market.today = D2
            second = daily.model_copy(update={"as_of_date": D2})
            run_pipeline(second, warehouse=warehouse)
            after = aapl_position(warehouse, D1)
            assert (after["quantity"], after["entry_price"]) == (200, entry / 2)
            assert after["entry_price_as_traded"] == entry
            # cost basis q·e and the unrealised P&L on D1 are unchanged by the split
            assert after["cost_basis"] == pytest.approx(before["cost_basis"], abs=1e-9)
            assert after["unrealized_pnl"] == pytest.approx(before["unrealized_pnl"],
                                                            abs=1e-9)
            with warehouse.connect() as conn:
                closes = conn.fetch_df("select close from raw.prices_daily where symbol = "
                                       "'AAPL' order by price_date")["close"].to_numpy()
                events = conn.fetch_dicts("select event_type, quantity_before, "
                                          "quantity_after, entry_price_before, "
                                          "entry_price_after from app.position_events")
                greeks = conn.fetch_one(
                    "select greeks_source, fallback_reason from marts.fct_position_greeks "
                    "where symbol = :s", {"s": OPTION})
            assert np.min(closes[1:] / closes[:-1] - 1) > -0.40
            assert events == [{"event_type": "split", "quantity_before": 100.0,
                               "quantity_after": 200.0, "entry_price_before": entry,
                               "entry_price_after": entry / 2}]
            assert greeks == {"greeks_source": "fallback",
                              "fallback_reason": f"underlying_split {D2}"}

            rebuilt = build(clean, fake, D2, book(200))
            for name in MARTS:
                got, want = mart(warehouse, name), mart(rebuilt, name)
                assert len(want) > 0, name
                pd.testing.assert_frame_equal(got, want, check_exact=False, rtol=0,
                                              atol=1e-9, obj=name)
            warehouse.close()
            rebuilt.close()
        finally:
            dispose_settings(daily)
            dispose_settings(clean)
