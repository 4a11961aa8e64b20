"""The risk step on both warehouses, with stage-1 models stood in for by plain tables.

The stage-1 relations the runner reads (staging.*, intermediate.*) are created here
as tables with the documented columns and filled with seeded synthetic data, so the
runner is tested without dbt; every stored number is recomputed independently
(statsmodels, mibian, empyrical, plain numpy).
"""

from __future__ import annotations

import datetime as dt

import empyrical
import mibian
import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from python_models.runner import run_risk_step

FACTORS = ["SPY", "MTUM", "VTV", "VUG", "QUAL", "IWM", "SPLV"]
N_SESSIONS = 100
STAGE1_DDL = [
    "create schema if not exists staging",
    "create schema if not exists intermediate",
    "create table staging.stg_raw__trading_days (session_date date, session_index integer)",
    "create table staging.stg_raw__prices_daily (symbol varchar, price_date date, "
    "close double precision, source varchar)",
    "create table staging.stg_raw__securities (symbol varchar, asset_type varchar, "
    "underlying_symbol varchar, option_type varchar, strike double precision, "
    "expiry_date date, short_interest double precision)",
    "create table intermediate.int_positions_enriched (position_id bigint, portfolio_id bigint, "
    "symbol varchar, underlying_symbol varchar, asset_type varchar, position_type varchar, "
    "option_type varchar, strike double precision, expiry_date date, quantity double precision, "
    "entry_price double precision, entry_date date, multiplier integer)",
    "create table intermediate.int_portfolio_values_daily (portfolio_id bigint, "
    "snapshot_date date, equity double precision, portfolio_value double precision, "
    "daily_return double precision)",
]


def synthetic_world(seed: int = 11) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    sessions = pd.bdate_range("2026-06-01", periods=N_SESSIONS)
    as_of = sessions[-1]
    market = rng.normal(0.0004, 0.01, N_SESSIONS)
    closes = {}
    for f in FACTORS:
        closes[f] = 100 * np.cumprod(1 + market * rng.uniform(0.6, 1.3)
                                     + rng.normal(0, 0.004, N_SESSIONS))
    for name, b in (("AAA", 1.3), ("BBB", 0.7), ("CCC", 1.0)):
        closes[name] = 50 * np.cumprod(1 + b * market + rng.normal(0, 0.015, N_SESSIONS))
    prices = pd.DataFrame(closes, index=sessions)
    prices.iloc[-61:-20, prices.columns.get_loc("CCC")] = np.nan  # 19 returns in window
    prices.iloc[[-10, -33], prices.columns.get_loc("BBB")] = np.nan  # holes
    long = prices.stack().rename("close").reset_index()
    long.columns = ["price_date", "symbol", "close"]
    long["source"] = "synthetic"
    expiry_live = (as_of + pd.Timedelta(days=45)).date()
    expired = (as_of - pd.Timedelta(days=3)).date()
    securities = pd.DataFrame([
        *({"symbol": s, "asset_type": "ETF", "underlying_symbol": s, "short_interest": 0.01}
          for s in FACTORS),
        {"symbol": "AAA", "asset_type": "STOCK", "underlying_symbol": "AAA",
         "short_interest": 0.05},
        {"symbol": "BBB", "asset_type": "STOCK", "underlying_symbol": "BBB",
         "short_interest": 0.12},
        {"symbol": "CCC", "asset_type": "STOCK", "underlying_symbol": "CCC",
         "short_interest": None},
        {"symbol": "AAA_C", "asset_type": "OPTION", "underlying_symbol": "AAA",
         "option_type": "C", "strike": 55.0, "expiry_date": expiry_live},
        {"symbol": "BBB_P", "asset_type": "OPTION", "underlying_symbol": "BBB",
         "option_type": "P", "strike": 45.0, "expiry_date": expiry_live},
        {"symbol": "AAA_X", "asset_type": "OPTION", "underlying_symbol": "AAA",
         "option_type": "C", "strike": 50.0, "expiry_date": expired},
    ])
    rows = [  # position_id, portfolio, symbol, quantity
        (1, 1, "AAA", 1000), (2, 1, "BBB", -800), (3, 1, "AAA_C", 10), (4, 1, "BBB_P", -5),
        (5, 1, "AAA_X", -3), (6, 1, "CCC", 200), (7, 1, "SPY", -100),
        (8, 2, "BBB", 500), (9, 2, "AAA", 300), (10, 2, "AAA_C", -4),
    ]
    sec = securities.set_index("symbol")
    positions = pd.DataFrame([{
        "position_id": pid, "portfolio_id": port, "symbol": sym,
        "underlying_symbol": sec.loc[sym, "underlying_symbol"],
        "asset_type": sec.loc[sym, "asset_type"],
        "position_type": (("L" if q > 0 else "S") + sec.loc[sym, "option_type"])
        if sec.loc[sym, "asset_type"] == "OPTION" else ("LONG" if q > 0 else "SHORT"),
        "option_type": sec.loc[sym, "option_type"] if sec.loc[sym, "asset_type"] == "OPTION"
        else None,
        "strike": sec.loc[sym, "strike"], "expiry_date": sec.loc[sym, "expiry_date"],
        "quantity": float(q), "entry_price": 10.0, "entry_date": sessions[0].date(),
        "multiplier": 100 if sec.loc[sym, "asset_type"] == "OPTION" else 1,
    } for pid, port, sym, q in rows])
    values = []
    for port, equity, n in ((1, 250_000.0, 90), (2, 80_000.0, 40)):
        r = rng.normal(0.0005, 0.012, n)
        pv = equity * np.cumprod(1 + r)
        for day, ret, v in zip(sessions[-n:], r, pv, strict=True):
            values.append({"portfolio_id": port, "snapshot_date": day.date(), "equity": equity,
                           "portfolio_value": v, "daily_return": ret})
    trading_days = pd.DataFrame({"session_date": [d.date() for d in sessions],
                                 "session_index": np.arange(N_SESSIONS)[::-1]})
    return {"prices": prices, "prices_long": long, "securities": securities,
            "positions": positions, "values": pd.DataFrame(values),
            "trading_days": trading_days, "as_of": as_of.date()}


def load_world(warehouse, world) -> None:
    with warehouse.connect() as conn:
        for statement in STAGE1_DDL:
            conn.execute(statement)
        conn.insert_df("staging.stg_raw__trading_days", world["trading_days"])
        conn.insert_df("staging.stg_raw__prices_daily", world["prices_long"].assign(
            price_date=lambda f: f["price_date"].dt.date))
        conn.insert_df("staging.stg_raw__securities", world["securities"])
        conn.insert_df("intermediate.int_positions_enriched", world["positions"])
        conn.insert_df("intermediate.int_portfolio_values_daily", world["values"])
        conn.execute("insert into app.tags (id, user_id, name) values (1, 1, 'tech'), "
                     "(2, 1, 'hedge')")
        conn.execute("insert into app.position_tags values (1, 1), (3, 1), (3, 2), (7, 2)")


@pytest.fixture
def world(warehouse, settings):
    world = synthetic_world()
    load_world(warehouse, world)
    report = run_risk_step(warehouse, settings)
    world["report"] = report
    return world


def table(warehouse, name: str) -> pd.DataFrame:
    with warehouse.connect() as conn:
        return conn.fetch_df(f"select * from analytics.{name}")


def _returns(world) -> pd.DataFrame:
    p = world["prices"]
    return p / p.shift(1) - 1  # NaN around missing closes: no bridging


def test_stored_betas_equal_statsmodels(warehouse, world):
    assert world["report"]["as_of"] == world["as_of"]
    betas = table(warehouse, "factor_betas")
    rets = _returns(world).iloc[-60:]
    assert set(betas.symbol) == {"AAA", "BBB", "CCC", "SPY"}
    assert len(betas) == 4 * 7
    for row in betas.itertuples():
        pair = pd.concat([rets[row.symbol], rets[row.factor]], axis=1).dropna()
        assert row.n_obs == len(pair)
        assert row.window_returns == 60
        if len(pair) < 20:
            assert row.quality_flag == "insufficient_data"
            assert pd.isna(row.beta)
            assert pd.isna(row.std_error)
            assert pd.isna(row.r_squared)
            continue
        fit = sm.OLS(pair.iloc[:, 0].to_numpy(), sm.add_constant(pair.iloc[:, 1].to_numpy())
                     ).fit()
        assert row.quality_flag == "ok"
        assert row.beta == pytest.approx(fit.params[1], rel=1e-10)
        if row.symbol == row.factor:  # perfect fit: SE is round-off, t undefined
            assert row.beta == pytest.approx(1.0, rel=1e-12)
            assert pd.isna(row.t_stat)
            continue
        assert row.std_error == pytest.approx(fit.bse[1], rel=1e-10)
        assert row.t_stat == pytest.approx(fit.tvalues[1], rel=1e-10)
        assert row.r_squared == pytest.approx(fit.rsquared, rel=1e-10)
    ccc = betas[(betas.symbol == "CCC") & (betas.factor == "SPY")].iloc[0]
    assert ccc.n_obs == 19
    assert pd.isna(ccc.beta)


def test_stored_greeks_equal_mibian_with_independent_inputs(warehouse, world):
    greeks = table(warehouse, "position_greeks").set_index("position_id")
    rets = _returns(world)
    as_of = pd.Timestamp(world["as_of"])
    for pid, underlying, strike, side, q in ((3, "AAA", 55.0, "call", 10),
                                             (4, "BBB", 45.0, "put", -5),
                                             (10, "AAA", 55.0, "call", -4)):
        row = greeks.loc[pid]
        last30 = rets[underlying].iloc[-30:].dropna()
        sigma = last30.std(ddof=1) * np.sqrt(252)
        spot = world["prices"][underlying].dropna().iloc[-1]
        assert row.spot == pytest.approx(spot, rel=1e-15)
        assert row.volatility == pytest.approx(sigma, rel=1e-12)
        assert row.volatility_n_obs == len(last30)
        assert row.days_to_expiry == 45
        assert row.t_years == pytest.approx(45 / 365)
        assert row.greeks_source == "black_scholes"
        ref = mibian.BS([spot, strike, 4.5, 45], volatility=sigma * 100)
        assert row.contract_delta == pytest.approx(getattr(ref, f"{side}Delta"), rel=1e-6)
        assert row.contract_theta == pytest.approx(getattr(ref, f"{side}Theta"), rel=1e-6)
        assert row.contract_rho == pytest.approx(getattr(ref, f"{side}Rho"), rel=1e-6)
        assert row.contract_gamma == pytest.approx(ref.gamma, rel=1e-6)
        assert row.contract_vega == pytest.approx(ref.vega, rel=1e-6)
        assert row.delta == pytest.approx(row.contract_delta * q * 100, rel=1e-12)
        assert row.dollar_delta == pytest.approx(row.delta * spot, rel=1e-12)
    expired = greeks.loc[5]
    assert expired.greeks_source == "fallback"
    assert expired.fallback_reason == "expired"
    assert expired.delta == pytest.approx(-0.4 * 3 * 100)  # SC table value · |q| · m
    stock = greeks.loc[2]
    assert stock.greeks_source == "stock"
    assert stock.delta == -800
    assert stock.gamma == 0
    assert pd.isna(greeks.loc[1].days_to_expiry)
    assert (as_of - pd.Timestamp(greeks.loc[4].spot_date)).days == 0


def test_stored_factor_exposures(warehouse, world):
    betas = table(warehouse, "factor_betas").set_index(["symbol", "factor"])
    greeks = table(warehouse, "position_greeks").set_index("position_id")
    ports = table(warehouse, "portfolio_factor_exposures").set_index(["portfolio_id", "factor"])
    assert len(ports) == 2 * 8
    positions = world["positions"].set_index("position_id")
    for port, equity in ((1, 250_000.0), (2, 80_000.0)):
        mine = positions[positions.portfolio_id == port]
        dollars, excluded = 0.0, 0
        for pid, pos in mine.iterrows():
            b = betas.loc[(pos.underlying_symbol, "SPY")].beta
            if pd.isna(b):
                excluded += 1
                continue
            dollars += greeks.loc[pid].dollar_delta * b
        row = ports.loc[(port, "SPY")]
        assert row.dollar_exposure == pytest.approx(dollars, rel=1e-12)
        assert row.exposure == pytest.approx(dollars / equity, rel=1e-12)
        assert row.n_positions_excluded == excluded
    si = ports.loc[(1, "short_interest")]
    sec = world["securities"].set_index("symbol").short_interest
    expected = sum(greeks.loc[pid].dollar_delta * sec[p.underlying_symbol] / 250_000.0
                   for pid, p in positions[positions.portfolio_id == 1].iterrows()
                   if not pd.isna(sec[p.underlying_symbol]))
    assert si.exposure == pytest.approx(expected, rel=1e-12)
    assert si.n_positions_excluded == 1  # CCC has no short interest


def test_stored_metrics_equal_empyrical_and_var_adds_up(warehouse, world):
    metrics = table(warehouse, "portfolio_risk_metrics").set_index("portfolio_id")
    comps = table(warehouse, "var_components")
    values = world["values"]
    spy = _returns(world)["SPY"]
    rf = 1.045 ** (1 / 252) - 1
    for port in (1, 2):
        mine = values[values.portfolio_id == port]
        r = pd.Series(mine.daily_return.to_numpy(), index=pd.to_datetime(mine.snapshot_date))
        row = metrics.loc[port]
        assert row.n_returns == len(r)
        assert row.volatility == pytest.approx(empyrical.annual_volatility(r), rel=1e-12)
        assert row.sharpe_ratio == pytest.approx(empyrical.sharpe_ratio(r, risk_free=rf),
                                                 rel=1e-12)
        assert row.max_drawdown == pytest.approx(empyrical.max_drawdown(r), rel=1e-12)
        assert row.beta == pytest.approx(empyrical.beta(r, spy.reindex(r.index)), rel=1e-12)
        assert row.var_95 == pytest.approx(-empyrical.value_at_risk(r, 0.05), rel=1e-12)
        assert row.es_95 == pytest.approx(-empyrical.conditional_value_at_risk(r, 0.05),
                                          rel=1e-12)
        assert row.var_95_dollars == pytest.approx(row.var_95 * mine.portfolio_value.iloc[-1])
        # parametric VaR: plain numpy over the same inputs
        mine_pos = comps[(comps.portfolio_id == port) & (comps.component_level == "position")]
        included = mine_pos.dropna(subset=["component_var"])
        x = included.groupby("underlying_symbol").delta_adjusted_exposure.sum()
        rets = _returns(world).iloc[-60:][x.index]
        cov = rets.cov(ddof=1).to_numpy()
        total = 1.645 * np.sqrt(x.to_numpy() @ cov @ x.to_numpy())
        assert row.parametric_var_95 == pytest.approx(total, rel=1e-10)
        assert abs(included.component_var.sum() - row.parametric_var_95) < 1e-9
        assert row.confidence == 0.95
        assert row.horizon_days == 1
        assert row.var_z == 1.645
    # CCC (19 returns) can't enter the covariance: excluded and counted
    assert metrics.loc[1].var_n_positions_excluded == 1
    tags = comps[(comps.portfolio_id == 1) & (comps.component_level == "tag")].set_index(
        "tag_name")
    pos = comps[comps.component_level == "position"].set_index("position_id")
    assert tags.loc["tech"].component_var == pytest.approx(
        pos.loc[1].component_var + pos.loc[3].component_var, rel=1e-12)
    assert tags.loc["hedge"].component_var == pytest.approx(
        pos.loc[3].component_var + pos.loc[7].component_var, rel=1e-12)
    assert set(tags.index) == {"tech", "hedge", "untagged"}


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
