"""A seeded synthetic world for the risk step: prices, positions, values, tags.

:func:`synthetic_world` builds it as frames; :func:`risk_inputs` hands it to the pure
:func:`python_models.risk_step.compute_risk` as the flows-side reader would;
:func:`load_world` writes it into stand-in tables of the stage-1 relations
(:data:`STAGE1_DDL`), so the read-compute-write step is tested without dbt.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from python_models.risk_step import CLOSES_NEEDED, RiskInputs

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
            "trading_days": trading_days, "as_of": as_of.date(), "tags": TAGS}


TAGS = pd.DataFrame({"position_id": [1, 3, 3, 7], "tag_id": [1, 1, 2, 2],
                     "tag_name": ["tech", "tech", "hedge", "hedge"]})


def risk_inputs(world: dict) -> RiskInputs:
    """The world as the risk step's reader returns it (dates as ``Timestamp``)."""
    sessions = pd.DatetimeIndex(pd.to_datetime(world["trading_days"]["session_date"]))
    sessions = sessions.sort_values()[-CLOSES_NEEDED:]
    prices = world["prices_long"][["symbol", "price_date", "close"]]
    positions = world["positions"].drop(columns=["entry_price", "entry_date"])
    return RiskInputs(
        sessions=sessions,
        prices=prices[prices["price_date"] >= sessions[0]].reset_index(drop=True),
        positions=positions.assign(expiry_date=pd.to_datetime(positions["expiry_date"])),
        securities=world["securities"][["symbol", "short_interest"]],
        portfolio_days=world["values"].assign(
            snapshot_date=pd.to_datetime(world["values"]["snapshot_date"])),
        tags=world["tags"])


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
        conn.insert_df("app.position_tags", world["tags"][["position_id", "tag_id"]])
