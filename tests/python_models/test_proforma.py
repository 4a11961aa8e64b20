"""Pro-forma books: trades net into positions exactly; the increments equal a full run of
the batch's functions on the pro-forma book."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from python_models.columns import Keyed
from python_models.conventions import FACTORS, SHORT_INTEREST_FACTOR
from python_models.incremental import changed_contributions, prepare, pro_forma
from python_models.market import session_market
from python_models.proforma import (
    POSITION_COLUMNS,
    TERM_COLUMNS,
    Holdings,
    apply_trades,
    changed_rows,
    compare_books,
    net_trades,
    position_changes,
)
from python_models.risk_step import with_option_inputs

AS_OF = pd.Timestamp("2026-11-20")
STOCKS = ["AAA", "BBB", "CCC", "DDD", "EEE", "FFF"]


@pytest.fixture(scope="module")
def session():
    rng = np.random.default_rng(11)
    days = pd.bdate_range(end=AS_OF, periods=91)
    market = rng.normal(0.0004, 0.01, len(days))
    closes = {s: 100 * np.cumprod(1 + market * rng.uniform(0.5, 1.5)
                                  + rng.normal(0, 0.012, len(days)))
              for s in [*FACTORS, *STOCKS]}
    options = {"AAA270115C00100000": ("AAA", "C", 100.0, dt.date(2027, 1, 15)),
               "BBB261218P00095000": ("BBB", "P", 95.0, dt.date(2026, 12, 18)),
               "CCC270115C00110000": ("CCC", "C", 110.0, dt.date(2027, 1, 15))}
    wide = pd.DataFrame(closes, index=days)
    for symbol, (underlying, _, strike, _) in options.items():
        wide[symbol] = (wide[underlying] - strike).abs() * 0.3 + 2
    prices = wide.stack().rename("close").reset_index()
    prices.columns = ["price_date", "symbol", "close"]
    terms = pd.DataFrame(
        [(s, s, "ETF" if s in FACTORS else "STOCK", None, np.nan, pd.NaT, 1) for s in closes]
        + [(o, u, "OPTION", k, strike, pd.Timestamp(e), 100)
           for o, (u, k, strike, e) in options.items()], columns=TERM_COLUMNS)
    securities = pd.DataFrame({"symbol": terms["symbol"],
                               "short_interest": rng.uniform(0, 0.1, len(terms))})
    underlyings = sorted(set(terms["underlying_symbol"]))
    mkt = session_market(days, prices, securities, underlyings, AS_OF, 0.045)
    held = pd.DataFrame({"position_id": [11, 12, 13, 14, 15, 16],
                         "symbol": ["AAA", "BBB", "CCC", "SPY", "AAA270115C00100000",
                                    "BBB261218P00095000"],
                         "quantity": [300.0, -150.0, 75.5, -20.0, 5.0, -4.0]})
    book = held.merge(terms, on="symbol").assign(portfolio_id=0)
    book["position_type"] = ["LONG", "SHORT", "LONG", "SHORT", "LC", "SP"]
    book["price"] = book["symbol"].map(mkt.last_close)
    book = book[POSITION_COLUMNS]
    tags = pd.DataFrame({"position_id": [11, 12, 15], "tag_id": [1, 2, 1],
                         "tag_name": ["core", "hedge", "core"]})
    books = pd.DataFrame({"portfolio_id": [0], "equity": [1e5], "portfolio_value": [1.1e5]})
    inputs = with_option_inputs(pd.DataFrame({"underlying_symbol": underlyings,
                                              "expiry_date": pd.NaT}),
                                mkt.closes, mkt.returns, AS_OF, 0.045)
    return {"market": mkt, "terms": terms, "book": book, "tags": tags, "books": books,
            "incremental": prepare(book, mkt, books, tags, inputs)}


def trade_records(rows) -> list[dict]:
    return [{"trade_id": i + 1, "position_id": pid, "symbol": symbol, "quantity": quantity,
             "price": 10.0} for i, (pid, symbol, quantity) in enumerate(rows)]


def test_position_changes_net_exactly():
    book = pd.DataFrame({"position_id": [1, 2, 3], "symbol": ["A", "B", "B"],
                         "quantity": [100.1, 5.0, 7.0]})
    trades = trade_records([(None, "A", "-0.1"), (None, "NEW", "3"), (3, "B", "-7"),
                           (None, "NEW", "-1.5"), (None, "A", "0.1")])
    changes = position_changes(book, trades).set_index("position_id")
    assert changes.loc[1, "target"] == Decimal("100.1")  # 100.1 - 0.1 + 0.1, exactly
    assert changes.loc[-1, "target"] == Decimal("1.5")
    assert changes.loc[3, "target"] == 0
    assert list(changes.index) == [1, -1, 3]


SCENARIOS = [
    [(11, "AAA", "-120.5")],                                         # resize
    [(12, "BBB", "150")],                                            # remove
    [(None, "DDD", "40"), (None, "CCC270115C00110000", "-3")],       # new stock and option
    [(None, "AAA", "12"), (15, "AAA270115C00100000", "2"), (None, "EEE", "-9.25"),
     (14, "SPY", "20")],                                             # everything at once
]


@pytest.mark.parametrize("rows", SCENARIOS)
def test_increments_equal_a_full_run(session, rows):
    book, terms, mkt = session["book"], session["terms"], session["market"]
    trades = trade_records(rows)
    pro_book = apply_trades(book, trades, terms, mkt.last_close, 1)
    books = pd.concat([session["books"], session["books"].assign(portfolio_id=1)])
    full = compare_books(book, pro_book, mkt, books, session["tags"])
    changes = [c for c in net_trades(Holdings.of(book), trades) if c.target != c.current]
    before = book["position_id"].isin([c.position_id for c in changes]).to_numpy()
    inc = session["incremental"]
    after = changed_contributions(inc, changed_rows(Holdings.of(book), changes,
                                                    Keyed(terms, "symbol"),
                                                    mkt.last_close.to_dict(), 1))
    assert np.array_equal(inc.changed_mask([c.position_id for c in changes]), before)
    pro = pro_forma(inc, before, after)

    exposures = full["exposures"].set_index("portfolio_id").loc[1]
    for name in ("long_exposure", "short_exposure", "gross_exposure", "net_exposure",
                 "position_count", "long_count", "lc_count", "sp_count"):
        assert pro.totals[name] == pytest.approx(exposures[name], rel=1e-12, abs=1e-9), name
    greeks = full["greek_totals"].set_index("portfolio_id").loc[1]
    for name in ("delta", "dollar_delta", "gamma", "theta", "vega", "rho"):
        assert pro.totals[name] == pytest.approx(greeks[name], rel=1e-12, abs=1e-9), name
    factors = full["portfolio_factor_exposures"]
    factors = factors[factors["portfolio_id"] == 1].set_index("factor")["dollar_exposure"]
    for factor in [*FACTORS, SHORT_INTEREST_FACTOR]:
        assert pro.totals[factor] == pytest.approx(factors[factor], rel=1e-12), factor
    var = full["var"].set_index("portfolio_id").loc[1]
    assert pro.var == pytest.approx(var["parametric_var_95"], rel=1e-12)
    assert pro.var_n_securities == var["var_n_securities"]
    components = full["var_components"]
    tags = components[(components["portfolio_id"] == 1)
                      & (components["component_level"] == "tag")]
    assert pro.tag_components == pytest.approx(dict(zip(tags["tag_name"],
                                                        tags["component_var"], strict=True)),
                                               rel=1e-12)
    position = components[(components["portfolio_id"] == 1)
                          & (components["component_level"] == "position")]
    assert np.nansum(pro.kept_components) + np.nansum(pro.after_components) == \
        pytest.approx(position["component_var"].sum(), rel=1e-12)


def test_no_change_is_the_baseline_bit_for_bit(session):
    inc = session["incremental"]
    book = session["book"]
    empty = changed_contributions(inc, book.iloc[:0])
    pro = pro_forma(inc, np.zeros(len(book), bool), empty)
    assert pro.totals == inc.baseline.totals
    assert pro.var == inc.baseline.var
    assert pro.tag_components == inc.baseline.tag_components
    stored = inc.current_risk["var"].iloc[0]["parametric_var_95"]
    assert pro.var == pytest.approx(stored, rel=1e-14)
