"""A load keeps ``updated_at`` of security-master rows it did not change, so the reference
TTL can expire: only a row whose values changed gets a new ``updated_at``."""

from __future__ import annotations

import datetime as dt

from ingest.market_data import load_market_data
from ingest.synthetic import SyntheticProvider
from ingest.warehouse.schema import ensure_schema

AS_OF = dt.date(2026, 11, 20)
OLD = dt.datetime(2026, 1, 2, 3, 4, 5)


def test_unchanged_reference_rows_keep_their_age(warehouse, settings):
    ensure_schema(warehouse)
    provider = SyntheticProvider(settings.risk_free_rate)
    symbols = ["AAPL", "MSFT", "AAPL261218C00250000"]

    def load() -> dict[str, tuple]:
        load_market_data(warehouse, settings, symbols=symbols, as_of=AS_OF,
                         provider=provider, reference_provider=provider)
        with warehouse.connect() as conn:
            return {row[0]: (row[1], row[2]) for row in conn.fetchall(
                "select symbol, sector, updated_at from raw.securities")}

    first = load()
    with warehouse.connect() as conn:
        conn.execute("update raw.securities set updated_at = :old", {"old": OLD})
        conn.execute("update raw.securities set sector = 'Other' where symbol = 'MSFT'")
    second = load()
    assert second["AAPL"] == (first["AAPL"][0], OLD)      # same values: age kept
    assert second["AAPL261218C00250000"][1] == OLD
    assert second["MSFT"][0] == first["MSFT"][0]          # sector restored by the load
    assert second["MSFT"][1] > OLD                        # ... and so re-stamped
    assert first["AAPL"][0] is not None                   # synthetic mode has sectors
