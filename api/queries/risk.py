"""Reads of the risk marts (``marts.fct_position_greeks``, ``fct_factor_betas``,
``fct_position_factor_exposures``, ``fct_portfolio_factor_exposures``,
``fct_portfolio_risk_metrics``, ``fct_var_components``) for one portfolio."""

from __future__ import annotations

import math
from typing import Any, Literal

from api.queries.common import consistent_reads
from api.queries.staleness import stale_positions
from api.schemas.risk import FACTOR_CONVENTIONS, GREEKS_CONVENTIONS, METRICS_CONVENTIONS
from ingest.warehouse import Warehouse
from python_models.conventions import BETA_MIN_OBS, BETA_WINDOW_RETURNS

View = Literal["portfolio", "longs", "shorts"]
_VIEW_FILTER = {"portfolio": "", "longs": " and quantity > 0", "shorts": " and quantity < 0"}


def _clean(row: dict[str, Any]) -> dict[str, Any]:
    """NaN → None (JSON has no NaN); dates stay dates."""
    return {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()}


def _as_of(conn, table: str, portfolio_id: int):
    row = conn.fetch_one(f"select max(as_of_date) as d from marts.{table} "
                         "where portfolio_id = :p", {"p": portfolio_id})
    return None if row is None else row["d"]


GREEK_TOTALS = ("delta", "dollar_delta", "gamma", "theta", "vega", "rho")


def greeks_totals(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Σ of each Greek over the rows that have it; None when rows exist but none has it
    (e.g. no spot for any position: no dollar delta), 0.0 for an empty view."""
    totals: dict[str, Any] = {}
    for name in GREEK_TOTALS:
        values = [r[name] for r in rows if r[name] is not None]
        totals[name] = float(sum(values)) if values or not rows else None
    totals["n_positions"] = len(rows)
    totals["n_fallback"] = sum(r["greeks_source"] == "fallback" for r in rows)
    return totals


def greeks(warehouse: Warehouse, portfolio_id: int, view: View) -> dict[str, Any] | None:
    """Position Greeks with their inputs, and totals over the view; None before a run."""
    with warehouse.connect() as conn:
        consistent_reads(conn)
        as_of = _as_of(conn, "fct_position_greeks", portfolio_id)
        if as_of is None:
            return None
        rows = [_clean(r) for r in conn.fetch_dicts(
            "select * from marts.fct_position_greeks where portfolio_id = :p "
            f"and as_of_date = :d{_VIEW_FILTER[view]} order by position_id",
            {"p": portfolio_id, "d": as_of})]
        stale = stale_positions(conn, portfolio_id, as_of)
    return {"portfolio_id": portfolio_id, "as_of": as_of, "view": view,
            "totals": greeks_totals(rows), "positions": rows, "stale_positions": stale,
            "conventions": GREEKS_CONVENTIONS}


def factors(warehouse: Warehouse, portfolio_id: int) -> dict[str, Any] | None:
    """Portfolio exposure per factor and per-position β with its statistics."""
    with warehouse.connect() as conn:
        consistent_reads(conn)
        as_of = _as_of(conn, "fct_portfolio_factor_exposures", portfolio_id)
        if as_of is None:
            return None
        params = {"p": portfolio_id, "d": as_of}
        portfolio_rows = conn.fetch_dicts(
            "select factor, factor_name, exposure, dollar_exposure, equity, n_positions, "
            "n_positions_excluded from marts.fct_portfolio_factor_exposures "
            "where portfolio_id = :p and as_of_date = :d order by factor", params)
        position_rows = conn.fetch_dicts(
            "select e.position_id, g.symbol, e.underlying_symbol, e.factor, e.beta, "
            "b.std_error, b.t_stat, b.r_squared, b.n_obs, b.quality_flag, b.window_start, "
            "b.window_end, e.delta_adjusted_exposure, e.dollar_exposure "
            "from marts.fct_position_factor_exposures e "
            "join marts.fct_position_greeks g on g.position_id = e.position_id "
            "and g.as_of_date = e.as_of_date "
            "left join marts.fct_factor_betas b on b.symbol = e.underlying_symbol "
            "and b.factor = e.factor and b.as_of_date = e.as_of_date "
            "where e.portfolio_id = :p and e.as_of_date = :d "
            "order by e.position_id, e.factor", params)
        stale = stale_positions(conn, portfolio_id, as_of)
    return {"portfolio_id": portfolio_id, "as_of": as_of, "stale_positions": stale,
            "window_returns": BETA_WINDOW_RETURNS, "min_obs": BETA_MIN_OBS,
            "factors": [_clean(r) for r in portfolio_rows],
            "positions": [_clean(r) for r in position_rows],
            "conventions": FACTOR_CONVENTIONS}


def metrics(warehouse: Warehouse, portfolio_id: int) -> dict[str, Any] | None:
    """Return-based metrics, parametric VaR and its components per position and tag."""
    with warehouse.connect() as conn:
        consistent_reads(conn)
        as_of = _as_of(conn, "fct_portfolio_risk_metrics", portfolio_id)
        if as_of is None:
            return None
        params = {"p": portfolio_id, "d": as_of}
        row = conn.fetch_one("select * from marts.fct_portfolio_risk_metrics "
                             "where portfolio_id = :p and as_of_date = :d", params)
        if row is None:
            return None
        components = [_clean(r) for r in conn.fetch_dicts(
            "select * from marts.fct_var_components where portfolio_id = :p "
            "and as_of_date = :d order by component_level, position_id, tag_name", params)]
        stale = stale_positions(conn, portfolio_id, as_of)
    return {"portfolio_id": portfolio_id, "as_of": as_of, "metrics": _clean(row),
            "stale_positions": stale,
            "var_components_positions": [c for c in components
                                         if c["component_level"] == "position"],
            "var_components_tags": [c for c in components if c["component_level"] == "tag"],
            "conventions": METRICS_CONVENTIONS}
