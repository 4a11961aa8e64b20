"""Reads of the book marts (``marts.fct_portfolio_factor_risk`` and friends) for one
portfolio; the correlation matrix on request is computed from the stored closes."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from api.queries.common import consistent_reads, in_list
from api.schemas.book_risk import (
    BENCHMARK_CONVENTIONS,
    CONCENTRATION_CONVENTIONS,
    CORRELATION_CONVENTIONS,
    FACTOR_MODEL_CONVENTIONS,
)
from ingest.warehouse import Connection, Warehouse
from python_models.betas import simple_returns
from python_models.conventions import FACTORS, MARKET_FACTOR
from python_models.correlations import correlation_matrix
from python_models.factor_model import FACTOR_WINDOW_RETURNS


def clean_value(value: Any) -> Any:
    """JSON-safe scalars: NaN → None, numpy → Python."""
    if hasattr(value, "item"):
        value = value.item()
    return None if isinstance(value, float) and math.isnan(value) else value


def mart_rows(conn: Connection, sql: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    return [{k: clean_value(v) for k, v in row.items() if k != "as_of_date"}
            for row in conn.fetch_dicts(sql, params)]


def portfolio_rows(conn: Connection, mart: str, params: dict[str, Any],
                   order: str | None = None) -> list[dict[str, Any]]:
    """Every row of ``marts.<mart>`` for portfolio ``:p`` on run ``:d``."""
    return mart_rows(conn, f"select * from marts.{mart} where portfolio_id = :p and "
                           f"as_of_date = :d{f' order by {order}' if order else ''}", params)


def latest_run(conn: Connection, mart: str, portfolio_id: int):
    row = conn.fetch_one(f"select max(as_of_date) as d from marts.{mart} "
                         "where portfolio_id = :p", {"p": portfolio_id})
    return None if row is None else row["d"]


def _matrix(frame: pd.DataFrame, value: str) -> list[list[float | None]]:
    wide = frame.pivot(index="factor", columns="factor_other", values=value)
    wide = wide.reindex(index=list(FACTORS), columns=list(FACTORS))
    return [[clean_value(float(v)) for v in row] for row in wide.to_numpy()]


def factor_model(warehouse: Warehouse, portfolio_id: int) -> dict[str, Any] | None:
    with warehouse.connect() as conn:
        consistent_reads(conn)
        as_of = latest_run(conn, "fct_portfolio_factor_risk", portfolio_id)
        if as_of is None:
            return None
        params = {"p": portfolio_id, "d": as_of}
        cov = conn.fetch_df("select * from marts.fct_factor_covariance where as_of_date = :d",
                            {"d": as_of})
        risk = portfolio_rows(conn, "fct_portfolio_factor_risk", params)[0]
        contributions = portfolio_rows(conn, "fct_factor_risk_contributions", params, "factor")
        securities = mart_rows(conn, (
            "select s.*, l.factor, l.loading from marts.fct_factor_model_securities s "
            "join marts.fct_factor_model_loadings l on l.symbol = s.symbol "
            "and l.as_of_date = s.as_of_date where s.as_of_date = :d and s.symbol in "
            "(select underlying_symbol from marts.dim_positions where portfolio_id = :p) "
            "order by s.symbol, l.factor"), params)
    by_symbol: dict[str, dict[str, Any]] = {}
    for row in securities:
        entry = by_symbol.setdefault(row["symbol"], {
            k: v for k, v in row.items() if k not in ("factor", "loading")} | {"exposures": {}})
        entry["exposures"][row["factor"]] = row["loading"]
    first = cov.iloc[0] if len(cov) else None
    return {
        "portfolio_id": portfolio_id, "as_of": as_of, "factors": list(FACTORS),
        "covariance": _matrix(cov, "covariance"), "correlation": _matrix(cov, "correlation"),
        "n_obs": int(first["n_obs"]) if first is not None else 0,
        "window_start": clean_value(first["window_start"]) if first is not None else None,
        "window_end": clean_value(first["window_end"]) if first is not None else None,
        "quality_flag": first["quality_flag"] if first is not None else "insufficient_data",
        "risk": risk, "contributions": contributions,
        "securities": list(by_symbol.values()), "conventions": FACTOR_MODEL_CONVENTIONS,
    }


def _book_matrix(conn: Connection, portfolio_id: int, as_of) -> tuple[list, list]:
    """The correlation matrix of the book's underlyings from the stored closes."""
    symbols = [r["underlying_symbol"] for r in conn.fetch_dicts(
        "select distinct underlying_symbol from marts.dim_positions where portfolio_id = :p "
        "order by underlying_symbol", {"p": portfolio_id})]
    sessions = [r["session_date"] for r in conn.fetch_dicts(
        "select session_date from raw.trading_days where session_date <= :d "
        "order by session_date desc limit :n", {"d": as_of, "n": FACTOR_WINDOW_RETURNS + 1})]
    if not symbols or not sessions:
        return symbols, []
    sql, values = in_list("s", symbols)
    prices = conn.fetch_df(f"select symbol, price_date, close from raw.prices_daily "
                           f"where symbol in {sql} and price_date >= :start and price_date "
                           "<= :d", {**values, "start": min(sessions), "d": as_of})
    index = pd.DatetimeIndex(sorted(pd.to_datetime(sessions)))
    closes = prices.assign(price_date=pd.to_datetime(prices["price_date"])).pivot_table(
        index="price_date", columns="symbol", values="close", aggfunc="last").reindex(
        index=index, columns=symbols)
    corr, _ = correlation_matrix(simple_returns(closes))
    return symbols, [[clean_value(float(v)) for v in row] for row in corr.to_numpy()]


def correlations(warehouse: Warehouse, portfolio_id: int, matrix: bool) -> dict | None:
    with warehouse.connect() as conn:
        consistent_reads(conn)
        as_of = latest_run(conn, "fct_portfolio_factor_risk", portfolio_id)
        if as_of is None:
            return None
        pairs = portfolio_rows(conn, "fct_correlation_pairs", {"p": portfolio_id, "d": as_of},
                               "rank")
        symbols, values = _book_matrix(conn, portfolio_id, as_of) if matrix else (None, None)
    return {"portfolio_id": portfolio_id, "as_of": as_of, "top_pairs": pairs,
            "symbols": symbols, "matrix": values, "conventions": CORRELATION_CONVENTIONS}


def concentration(warehouse: Warehouse, portfolio_id: int) -> dict[str, Any] | None:
    with warehouse.connect() as conn:
        consistent_reads(conn)
        as_of = latest_run(conn, "fct_portfolio_concentration", portfolio_id)
        if as_of is None:
            return None
        params = {"p": portfolio_id, "d": as_of}
        head = portfolio_rows(conn, "fct_portfolio_concentration", params)[0]
        liquidity = portfolio_rows(conn, "fct_portfolio_liquidity", params)
        positions = portfolio_rows(conn, "fct_position_liquidity", params,
                                   "days_to_liquidate desc, position_id")
    return {"portfolio_id": portfolio_id, "as_of": as_of, "concentration": head,
            "liquidity": liquidity[0] if liquidity else {}, "positions": positions,
            "conventions": CONCENTRATION_CONVENTIONS}


def benchmark(warehouse: Warehouse, portfolio_id: int) -> dict[str, Any] | None:
    with warehouse.connect() as conn:
        consistent_reads(conn)
        as_of = latest_run(conn, "fct_portfolio_benchmark_metrics", portfolio_id)
        if as_of is None:
            return None
        params = {"p": portfolio_id, "d": as_of}
        metrics = portfolio_rows(conn, "fct_portfolio_benchmark_metrics", params)[0]
        rolling = portfolio_rows(conn, "fct_portfolio_rolling_metrics", params, "metric_date")
    return {"portfolio_id": portfolio_id, "as_of": as_of, "benchmark": MARKET_FACTOR,
            "metrics": metrics, "rolling": rolling, "conventions": BENCHMARK_CONVENTIONS}

