"""Provider selection and the market-data load through Polygon (loopback) and yfinance.

Polygon is chosen when ``settings.polygon_api_key`` is set, synthetic otherwise; each
stored row records its source. Runs on DuckDB and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt

import pytest
import yfinance as yf

from ingest.market_cache import CachedPriceProvider
from ingest.market_data import load_market_data, make_price_provider, make_reference_provider
from ingest.polygon import PolygonProvider
from ingest.synthetic import SyntheticProvider
from ingest.warehouse import Warehouse
from ingest.yfinance_reference import YFinanceReferenceProvider
from tests.conftest import dispose_settings, make_settings
from tests.fakes.fake_polygon import FakePolygon
from tests.fakes.fake_yahoo import FakeYahoo, YahooSecurity

AS_OF = dt.date(2025, 11, 20)
OPTION = "AAPL260116C00200000"


def test_provider_selection_follows_the_api_key(tmp_path):
    synthetic = make_settings("duckdb", tmp_path)
    assert isinstance(make_price_provider(synthetic), SyntheticProvider)
    assert isinstance(make_reference_provider(synthetic), SyntheticProvider)
    real = make_settings("duckdb", tmp_path, polygon_api_key="k",
                         polygon_base_url="http://127.0.0.1:9")
    assert isinstance(make_price_provider(real), PolygonProvider)
    wh = Warehouse(real)
    cached = make_price_provider(real, wh)
    assert isinstance(cached, CachedPriceProvider)
    assert isinstance(cached.inner, PolygonProvider)
    assert cached.name == "polygon"
    assert isinstance(make_reference_provider(real, wh), YFinanceReferenceProvider)
    no_yahoo = make_settings("duckdb", tmp_path, polygon_api_key="k", yfinance_enabled=False)
    assert isinstance(make_reference_provider(no_yahoo), SyntheticProvider)
    wh.close()


@pytest.mark.parametrize("kind", ["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_load_market_data_through_polygon_then_synthetic_records_each_rows_source(
        kind, tmp_path):
    yf.set_tz_cache_location(str(tmp_path / "yfinance-cache"))
    with FakePolygon(page_size=100) as polygon, FakeYahoo() as yahoo:
        yahoo.add(YahooSecurity("AAPL", "Apple Inc.", "Technology", "Consumer Electronics",
                                0.0071))
        polygon.add_fault("ZZZZ", "not_found")
        settings = make_settings(kind, tmp_path, polygon_api_key=polygon.api_key,
                                 polygon_base_url=polygon.base_url,
                                 polygon_requests_per_minute=0)   # 0 = unlimited
        from ingest.warehouse.schema import ensure_schema
        warehouse = Warehouse(settings)
        try:
            ensure_schema(warehouse)
            reference = YFinanceReferenceProvider(warehouse, session=yahoo.session())
            report = load_market_data(warehouse, settings, symbols=["AAPL", OPTION, "ZZZZ"],
                                      as_of=AS_OF, reference_provider=reference)
            assert report.provider == "polygon"
            assert set(report.symbols_loaded) == {"AAPL", OPTION}
            assert "unknown ticker" in report.errors["ZZZZ"]
            with warehouse.connect() as conn:
                sources = conn.fetchall("select distinct source from raw.prices_daily")
                aapl = conn.fetch_one("select sector, short_interest, reference_source "
                                      "from raw.securities where symbol = 'AAPL'")
            assert sources == [("polygon",)]
            assert aapl == {"sector": "Technology", "short_interest": pytest.approx(0.0071),
                            "reference_source": "yfinance"}
            requests = len(polygon.log)
            # a second load of the same window costs no Polygon request (except ZZZZ)
            load_market_data(warehouse, settings, symbols=["AAPL", OPTION, "ZZZZ"],
                             as_of=AS_OF, reference_provider=reference)
            assert {r.ticker for r in polygon.log[requests:]} == {"ZZZZ"}

            offline = settings.model_copy(update={"polygon_api_key": ""})
            report = load_market_data(warehouse, offline, symbols=["MSFT"], as_of=AS_OF)
            assert report.provider == "synthetic"
            with warehouse.connect() as conn:
                by_symbol = dict(conn.fetchall(
                    "select symbol, min(source) from raw.prices_daily group by symbol"))
            assert by_symbol == {"AAPL": "polygon", OPTION: "polygon", "MSFT": "synthetic"}
        finally:
            warehouse.close()
            dispose_settings(settings)
