"""Dynamic Greeks and P&L grids of a book (``/risk/greeks/scenario``) or of a session's
pro-forma book (``/modeling/sessions/{id}/risk/greeks/scenario``).

The book's inputs are those of its stored Greeks (``marts.fct_position_greeks``: S, K,
days, σ, r) and its marks (``fct_position_values_daily.exposure`` on the as-of date); a
session's are its frozen inputs with the pro-forma positions. The maths is
:mod:`python_models.scenarios`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from api.queries.common import consistent_reads
from api.queries.modeling_risk import number
from api.queries.modeling_state import PRO_FORMA_BOOK, load_live
from ingest.config import Settings
from ingest.warehouse import Warehouse
from python_models.proforma import POSITION_COLUMNS, apply_trades
from python_models.risk_step import with_option_inputs
from python_models.scenarios import Scenario, book_greeks, pnl_grid, scenario_greeks

SCENARIO_CONVENTIONS = {
    "spot_shift_pct": "every underlying's close S -> S x (1 + shift / 100)",
    "vol_shift_pts": "every sigma -> sigma + shift / 100 (volatility points); a sigma at or "
                     "below zero is priced at 0.0001 (the sigma -> 0 limit)",
    "rate": "risk-free rate r' (annual decimal, continuously compounded) for every option",
    "valuation_date": "T -> calendar days from the valuation date to expiry / 365; an option "
                      "expiring on or before it is worth its intrinsic value",
    "greeks": "mibian's units (see GET /risk/greeks); position Greeks = per-contract x "
              "quantity x multiplier",
    "pnl_full": "book P&L in dollars (gain > 0) by full Black-Scholes revaluation of every "
                "option at the grid point (stocks: q x S x shift)",
    "pnl_delta_gamma": "delta dS + gamma dS^2 / 2 + vega dvol + theta ddays + rho drate "
                       "from the current Greeks (dS = S x shift / 100): second order in "
                       "spot, first order in vol, time and rate",
    "value": "book value = sum of exposures at the marks + P&L; positions without "
             "Black-Scholes inputs (fallback Greeks) are held at their mark and listed in "
             "not_revalued",
}


@dataclass(frozen=True)
class ScenarioRequest:
    """A scenario and its grid (units in :data:`SCENARIO_CONVENTIONS`)."""

    spot_shift_pct: float
    vol_shift_pts: float
    rate: float | None
    valuation_date: dt.date | None
    grid_spot_pct: tuple[float, ...]
    grid_vol_pts: tuple[float, ...]


def book_inputs(warehouse: Warehouse, portfolio_id: int) -> tuple[pd.DataFrame, dt.date] | None:
    """The stored Greeks' inputs and the marks of the portfolio; None before a run."""
    with warehouse.connect() as conn:
        consistent_reads(conn)
        row = conn.fetch_one("select max(as_of_date) as d from marts.fct_position_greeks "
                             "where portfolio_id = :p", {"p": portfolio_id})
        if row is None or row["d"] is None:
            return None
        book = conn.fetch_df(
            "select g.position_id, g.symbol, g.underlying_symbol, g.asset_type, "
            "g.position_type, g.option_type, g.quantity, g.multiplier, g.spot, g.strike, "
            "g.expiry_date, cast(g.days_to_expiry as double precision) as days_to_expiry, "
            "g.volatility, g.rate, v.exposure from marts.fct_position_greeks g "
            "left join marts.fct_position_values_daily v on v.position_id = g.position_id "
            "and v.valuation_date = g.as_of_date "
            "where g.portfolio_id = :p and g.as_of_date = :d order by g.position_id",
            {"p": portfolio_id, "d": row["d"]})
    return book, row["d"]


def session_inputs(warehouse: Warehouse, settings: Settings, user_id: int,
                   session_id: str) -> tuple[pd.DataFrame, dt.date]:
    """The session's pro-forma positions with their frozen Black–Scholes inputs."""
    row, state, trades = load_live(warehouse, settings, user_id, session_id)
    market = state.market
    pro = apply_trades(state.book[POSITION_COLUMNS], trades, state.terms, market.last_close,
                       PRO_FORMA_BOOK)
    book = with_option_inputs(pro, market.closes, market.returns, market.as_of, market.rate)
    book["days_to_expiry"] = book["days_to_expiry"].astype(float)
    book["exposure"] = book["quantity"] * book["price"] * book["multiplier"]
    return book, row["as_of_date"]


def scenario_report(book: pd.DataFrame, as_of: dt.date, request: ScenarioRequest,
                    default_rate: float) -> dict[str, Any]:
    """Greeks at the scenario (per option and for the book) and the P&L grid."""
    valuation = request.valuation_date or as_of
    days_forward = float((valuation - as_of).days)
    scenario = Scenario(request.spot_shift_pct, request.vol_shift_pts, request.rate,
                        days_forward)
    current, shifted = scenario_greeks(book, Scenario()), scenario_greeks(book, scenario)
    grid = pnl_grid(book, request.grid_spot_pct, request.grid_vol_pts, request.rate,
                    days_forward)
    options = (book["asset_type"] == "OPTION").to_numpy()
    columns = ["spot", "volatility", "rate", "days_to_expiry", "greeks_source",
               "theoretical_price", "contract_delta", "contract_gamma", "contract_theta",
               "contract_vega", "contract_rho", "delta", "gamma", "theta", "vega", "rho",
               "dollar_delta"]
    positions = pd.concat([book.loc[options, ["position_id", "symbol", "underlying_symbol",
                                              "option_type", "strike", "expiry_date",
                                              "quantity"]],
                           shifted.loc[options, columns]], axis=1)
    return {
        "as_of": as_of,
        "scenario": {"spot_shift_pct": request.spot_shift_pct,
                     "vol_shift_pts": request.vol_shift_pts,
                     "rate": default_rate if request.rate is None else request.rate,
                     "valuation_date": valuation, "days_forward": days_forward},
        "book": {"current": _totals(book_greeks(current)),
                 "scenario": _totals(book_greeks(shifted))},
        "options": [{k: number(v) for k, v in r.items()}
                    for r in positions.to_dict("records")],
        "grid": {"book_value": grid.book_value, "n_revalued": grid.n_revalued,
                 "not_revalued": book.loc[grid.not_revalued, "symbol"].tolist(),
                 "spot_shifts_pct": list(request.grid_spot_pct),
                 "vol_shifts_pts": list(request.grid_vol_pts),
                 "cells": grid.cells.to_dict("records")},
        "conventions": SCENARIO_CONVENTIONS,
    }


def _totals(totals: dict[str, float | int]) -> dict[str, Any]:
    return {name: (None if isinstance(value, float) and np.isnan(value) else value)
            for name, value in totals.items()}
