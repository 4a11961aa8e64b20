"""Book exposure totals against a plain loop over hand-written positions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from python_models.book_exposures import exposure_totals

POSITIONS = pd.DataFrame([
    # portfolio, type, q, p, m
    (1, "LONG", 100.0, 50.0, 1),
    (1, "SHORT", -40.0, 25.0, 1),
    (1, "LC", 3.0, 2.5, 100),
    (1, "SP", -2.0, 1.25, 100),
    (1, "LONG", 10.5, np.nan, 1),  # no mark: left out and counted
    (2, "LP", 5.0, 4.0, 100),
], columns=["portfolio_id", "position_type", "quantity", "price", "multiplier"])


def test_totals_match_a_plain_loop():
    equity = pd.Series({1: 10_000.0, 2: 0.0, 3: 5_000.0})
    totals = exposure_totals(POSITIONS, equity).set_index("portfolio_id")
    for pid in (1, 2, 3):
        rows = [r for r in POSITIONS.itertuples() if r.portfolio_id == pid
                and not np.isnan(r.price)]
        exposures = [r.quantity * r.price * r.multiplier for r in rows]
        expected = {
            "long_exposure": sum(e for e in exposures if e > 0),
            "short_exposure": sum(e for e in exposures if e < 0),
            "gross_exposure": sum(abs(e) for e in exposures),
            "net_exposure": sum(exposures),
            "market_value": sum(abs(r.quantity) * r.price * r.multiplier for r in rows),
            "position_count": len(rows),
        }
        for name, value in expected.items():
            assert totals.at[pid, name] == pytest.approx(value, rel=1e-15, abs=0), name
    book = totals.loc[1]
    assert book["long_exposure"] == 100 * 50 + 3 * 2.5 * 100
    assert book["short_exposure"] == -40 * 25 - 2 * 1.25 * 100
    assert book["gross_exposure"] == book["long_exposure"] - book["short_exposure"]
    assert book["net_exposure_of_equity"] == pytest.approx(book["net_exposure"] / 10_000)
    assert (book["long_count"], book["short_count"], book["lc_count"], book["sp_count"],
            book["n_unpriced"]) == (1, 1, 1, 1, 1)
    assert np.isnan(totals.at[2, "gross_exposure_of_equity"])  # equity 0: no fraction
    assert totals.at[3, "position_count"] == 0
    assert totals.at[3, "gross_exposure"] == 0.0
    assert list(totals.index) == [1, 2, 3]
