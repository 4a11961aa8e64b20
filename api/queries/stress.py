"""Stress tests of one portfolio: ad hoc on the latest run's inputs, and the stored library.

Ad hoc (``POST /risk/stress``): the positions' Black–Scholes inputs from
``marts.fct_position_greeks``, the joint factor exposures and factor covariance of the
same run (``fct_factor_model_loadings``, ``fct_factor_covariance``), sectors from
``dim_positions``, the user's live tags and the latest equity, revalued with
:mod:`python_models.stress`. Nothing is written.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pandas as pd

from api.queries.book_risk import clean_value, latest_run, mart_rows, portfolio_rows
from api.schemas.stress import STRESS_CONVENTIONS
from ingest.warehouse import Connection, Warehouse
from python_models.conventions import FACTORS
from python_models.stress import aggregate_stress, implied_factor_moves, stress_positions

GROUP_FIELDS = ("group_name", "pnl", "pnl_fraction", "n_positions", "n_excluded")


def _inputs(conn: Connection, user_id: int, portfolio_id: int, as_of) -> dict[str, Any]:
    params = {"p": portfolio_id, "d": as_of}
    positions = conn.fetch_df(
        "select g.position_id, g.portfolio_id, g.symbol, g.underlying_symbol, g.asset_type, "
        "g.option_type, g.quantity, g.multiplier, g.spot, g.strike, g.t_years, "
        "g.volatility, g.rate, g.dollar_delta as delta_adjusted_exposure, d.sector "
        "from marts.fct_position_greeks g join marts.dim_positions d "
        "on d.position_id = g.position_id "
        "where g.portfolio_id = :p and g.as_of_date = :d order by g.position_id", params)
    loadings = conn.fetch_df(
        "select symbol, factor, loading from marts.fct_factor_model_loadings "
        "where as_of_date = :d and symbol in (select underlying_symbol from "
        "marts.dim_positions where portfolio_id = :p)", params)
    cov = conn.fetch_df("select factor, factor_other, covariance from "
                        "marts.fct_factor_covariance where as_of_date = :d", {"d": as_of})
    tags = conn.fetch_df(
        "select pt.position_id, t.name as tag_name from app.position_tags pt "
        "join app.tags t on t.id = pt.tag_id where t.user_id = :u", {"u": user_id})
    equity = conn.fetch_one("select equity from marts.fct_portfolio_snapshots "
                            "where portfolio_id = :p order by snapshot_date desc limit 1",
                            {"p": portfolio_id})
    factors = list(FACTORS)
    return {
        "positions": positions,
        "loadings": loadings.pivot(index="symbol", columns="factor", values="loading")
        .reindex(columns=factors),
        "cov": cov.pivot(index="factor", columns="factor_other", values="covariance")
        .reindex(index=factors, columns=factors),
        "tags": tags,
        "equity": pd.Series({portfolio_id: None if equity is None else equity["equity"]},
                            dtype=float),
    }


def _groups(rows: pd.DataFrame, level: str) -> list[dict[str, Any]]:
    part = rows[rows["level"] == level].sort_values("pnl", na_position="last")
    return [{str(k): clean_value(v) for k, v in r.items()} for r in part[list(GROUP_FIELDS)]
            .to_dict("records")]


def run_stress(warehouse: Warehouse, user_id: int, portfolio_id: int,
               shocks: dict[str, float], vol_shift: float) -> dict[str, Any] | None:
    """The portfolio's P&L under ``shocks`` and ``vol_shift``; None before a risk run."""
    with warehouse.connect() as conn:
        as_of = latest_run(conn, "fct_position_greeks", portfolio_id)
        if as_of is None:
            return None
        data = _inputs(conn, user_id, portfolio_id, as_of)
    moves = implied_factor_moves(shocks, data["cov"])
    frame = moves.to_frame("adhoc").T
    position_pnl = stress_positions(data["positions"], data["loadings"], frame,
                                    pd.Series({"adhoc": vol_shift}))
    rows = aggregate_stress(position_pnl, data["positions"], data["tags"], data["equity"])
    total = rows[rows["level"] == "total"]
    symbols = data["positions"].set_index("position_id")["symbol"]
    return {
        "portfolio_id": portfolio_id, "as_of": as_of, "vol_shift": vol_shift,
        "factor_moves": [{"factor": f, "move": clean_value(float(moves[f])), "shocked": f in shocks}
                         for f in FACTORS],
        "total": ({k: clean_value(v) for k, v in total.iloc[0].items() if k in GROUP_FIELDS
                   and k != "group_name"} if len(total) else
                  {"pnl": None, "pnl_fraction": None, "n_positions": 0, "n_excluded": 0}),
        "by_sector": _groups(rows, "sector"), "by_tag": _groups(rows, "tag"),
        "positions": [{"position_id": int(r["position_id"]),
                       "symbol": symbols[r["position_id"]],
                       "underlying_return": clean_value(r["underlying_return"]),
                       "pnl": clean_value(r["pnl"]), "method": r["method"]}
                      for r in position_pnl.to_dict("records")],
        "conventions": STRESS_CONVENTIONS,
    }


def scenario_library(warehouse: Warehouse, portfolio_id: int) -> dict[str, Any] | None:
    """The stored library and this portfolio's replay windows with their results."""
    with warehouse.connect() as conn:
        as_of = latest_run(conn, "fct_stress_results", portfolio_id)
        if as_of is None:
            return None
        params = {"p": portfolio_id, "d": as_of}
        results = pd.DataFrame(portfolio_rows(conn, "fct_stress_results", params))
        moves = mart_rows(conn, "select * from marts.fct_stress_scenarios where as_of_date = :d "
                            "and (kind = 'library' or scenario in (select scenario from "
                            "marts.fct_stress_results where portfolio_id = :p and "
                            "as_of_date = :d)) order by kind, scenario, factor", params)
    scenarios: dict[str, dict[str, Any]] = {}
    for row in moves:
        entry = scenarios.setdefault(row["scenario"], {
            k: row[k] for k in ("scenario", "kind", "description", "source", "vol_shift",
                                "horizon_days", "window_start", "window_end")}
            | {"factor_moves": {}, "shocked": []})
        entry["factor_moves"][row["factor"]] = row["factor_move"]
        if row["shocked"]:
            entry["shocked"].append(row["factor"])
    by_scenario: defaultdict[Any, pd.DataFrame] = defaultdict(lambda: results.iloc[0:0])
    if len(results):
        by_scenario.update(dict(tuple(results.groupby("scenario"))))
    out = []
    for name, entry in scenarios.items():
        rows = by_scenario[name]
        total = rows[rows["level"] == "total"]
        entry["total"] = ({k: clean_value(v) for k, v in total.iloc[0].items()
                           if k in GROUP_FIELDS and k != "group_name"} if len(total) else None)
        entry["by_sector"], entry["by_tag"] = _groups(rows, "sector"), _groups(rows, "tag")
        out.append(entry)
    return {"portfolio_id": portfolio_id, "as_of": as_of, "scenarios": out,
            "conventions": STRESS_CONVENTIONS}
