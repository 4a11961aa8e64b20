"""The book-analytics step: read stage 1 + the risk step's Greeks, compute, write analytics.*.

Runs after the risk step (it reads ``analytics.position_greeks`` of the as-of date that
step wrote) and before the stage-2 marts. Reads

- ``analytics.position_greeks`` (spot, σ, T, r, dollar delta of every position),
- ``intermediate.int_positions_enriched`` (sector), ``intermediate.int_position_values_daily``
  (market value on the as-of date), ``intermediate.int_portfolio_values_daily`` (daily
  returns, equity), ``staging.stg_raw__prices_daily`` (closes and volumes of the loaded
  history), ``app.position_tags`` / ``app.tags``,

computes every table of :data:`python_models.book_analytics.BOOK_TABLES` for all
portfolios at once and replaces the as-of date's rows of each in one transaction
(idempotent; a failure leaves the previous rows).
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import pandas as pd

from ingest.config import Settings
from ingest.warehouse import Connection, Warehouse
from python_models.book_analytics import BOOK_TABLES, BookInputs, compute_book_analytics

INTEGER_TYPES = {"integer", "bigint"}


def _latest_risk_run(conn: Connection, requested: dt.date | None) -> dt.date | None:
    sql = "select max(as_of_date) as d from analytics.position_greeks"
    row = conn.fetch_one(sql + (" where as_of_date <= :d" if requested else ""),
                         {"d": requested} if requested else None)
    value = row["d"] if row else None
    return pd.Timestamp(value).date() if value is not None else None


def _wide(prices: pd.DataFrame, column: str, sessions: pd.DatetimeIndex) -> pd.DataFrame:
    if prices.empty:
        return pd.DataFrame(index=sessions, dtype=float)
    frame = prices.assign(price_date=pd.to_datetime(prices["price_date"]))
    return frame.pivot_table(index="price_date", columns="symbol", values=column,
                             aggfunc="last").reindex(sessions)


def read_book_inputs(conn: Connection, as_of: dt.date) -> BookInputs:
    """Everything :func:`compute_book_analytics` needs for ``as_of``, as frames."""
    sessions = pd.DatetimeIndex(pd.to_datetime(conn.fetch_df(
        "select session_date from staging.stg_raw__trading_days where session_date <= :d "
        "order by session_date", {"d": as_of})["session_date"]))
    prices = conn.fetch_df("select symbol, price_date, close, volume "
                           "from staging.stg_raw__prices_daily where price_date <= :d",
                           {"d": as_of})
    positions = conn.fetch_df(
        "select g.position_id, g.portfolio_id, g.symbol, g.underlying_symbol, g.asset_type, "
        "g.option_type, g.quantity, g.multiplier, g.spot, g.strike, g.t_years, "
        "g.volatility, g.rate, g.dollar_delta, e.sector, v.market_value "
        "from analytics.position_greeks g "
        "inner join intermediate.int_positions_enriched e on e.position_id = g.position_id "
        "left join intermediate.int_position_values_daily v "
        "  on v.position_id = g.position_id and v.valuation_date = g.as_of_date "
        "where g.as_of_date = :d order by g.position_id", {"d": as_of})
    days = conn.fetch_df(
        "select portfolio_id, snapshot_date, equity, daily_return "
        "from intermediate.int_portfolio_values_daily where snapshot_date <= :d",
        {"d": as_of})
    tags = conn.fetch_df(
        "select pt.position_id, t.id as tag_id, t.name as tag_name "
        "from app.position_tags pt inner join app.tags t on t.id = pt.tag_id")
    days["snapshot_date"] = pd.to_datetime(days["snapshot_date"])
    returns = days.pivot_table(index="snapshot_date", columns="portfolio_id",
                               values="daily_return", aggfunc="last")
    equity = days.sort_values("snapshot_date").groupby("portfolio_id")["equity"].last()
    return BookInputs(closes=_wide(prices, "close", sessions),
                      volumes=_wide(prices, "volume", sessions),
                      positions=positions, portfolio_returns=returns,
                      equity=equity.astype(float), tags=tags)


def _prepared(conn: Connection, table: str, frame: pd.DataFrame, as_of: dt.date,
              computed_at: pd.Timestamp) -> pd.DataFrame:
    """``frame`` in the table's column order, integers nullable, NaN text as NULL."""
    columns = conn.fetch_dicts(
        "select column_name, data_type from information_schema.columns "
        "where table_schema = 'analytics' and table_name = :t order by ordinal_position",
        {"t": table})
    out = frame.assign(as_of_date=as_of, computed_at=computed_at).reindex(
        columns=[c["column_name"] for c in columns])
    for column in columns:
        name, kind = column["column_name"], column["data_type"].lower()
        if kind in INTEGER_TYPES:
            out[name] = pd.to_numeric(out[name], errors="coerce").astype("Int64")
        elif kind == "date":
            out[name] = pd.to_datetime(out[name]).dt.date
        elif out[name].dtype == object:
            out[name] = out[name].where(out[name].notna(), None)
    return out


def run_book_risk_step(warehouse: Warehouse, settings: Settings,
                       as_of: dt.date | None = None) -> dict[str, Any]:
    """Compute and write the book analytics of the latest risk run on or before ``as_of``.

    Returns ``{"as_of", "rows": {table: count}, "seconds": {...}}``; ``as_of`` None (and
    nothing written) when the risk step has not run yet.
    """
    started = time.perf_counter()
    with warehouse.connect() as conn:
        resolved = _latest_risk_run(conn, as_of or settings.as_of_date)
        if resolved is None:
            return {"as_of": None, "rows": {}, "message": "no risk run yet"}
        inputs = read_book_inputs(conn, resolved)
    read_done = time.perf_counter()
    outputs = compute_book_analytics(inputs, settings.risk_free_rate,
                                     settings.liquidity_participation_rate)
    compute_done = time.perf_counter()
    computed_at = pd.Timestamp(dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0))
    counts = {}
    with warehouse.connect() as conn:
        for table in BOOK_TABLES:
            frame = _prepared(conn, table, outputs[table], resolved, computed_at)
            conn.execute(f"delete from analytics.{table} where as_of_date = :d",
                         {"d": resolved})
            counts[table] = conn.insert_df(f"analytics.{table}", frame)
    finished = time.perf_counter()
    return {"as_of": resolved, "rows": counts,
            "seconds": {"read": round(read_done - started, 3),
                        "compute": round(compute_done - read_done, 3),
                        "write": round(finished - compute_done, 3)}}
