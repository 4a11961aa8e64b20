"""The risk step of the batch: read the stage-1 models, compute, write ``analytics.*``.

``run_risk_step(warehouse, settings, as_of=None)`` reads

- ``staging.stg_raw__trading_days`` (sessions), ``staging.stg_raw__prices_daily``
  (closes), ``staging.stg_raw__securities`` (short interest),
- ``intermediate.int_positions_enriched`` (positions with the security master terms),
- ``intermediate.int_portfolio_values_daily`` (daily returns, equity, portfolio value),
- ``app.position_tags`` / ``app.tags`` (tag membership),
- ``raw.splits`` (options whose underlying split after their entry: fallback Greeks),

hands them to the pure :func:`python_models.risk_step.compute_risk` (all portfolios at
once) and replaces the as-of date's rows of every ``analytics.*`` table in one
transaction (idempotent; a failure leaves the previous rows).

The as-of date is ``as_of``, else ``settings.as_of_date``, else the latest loaded
session; it is snapped to the latest loaded session on or before it. The positions are
those entered on or before the as-of date.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import pandas as pd

from ingest.config import Settings
from ingest.splits import split_option_positions
from ingest.warehouse import Connection, Warehouse
from python_models.conventions import FLAG_INSUFFICIENT, FLAG_OK, SOURCE_FALLBACK
from python_models.risk_step import ANALYTICS_TABLES, CLOSES_NEEDED, RiskInputs, compute_risk

_INTEGER_COLUMNS = frozenset({"n_obs", "days_to_expiry", "n_positions"})


def resolve_as_of(conn: Connection, requested: dt.date | None) -> dt.date | None:
    """The latest loaded session on or before ``requested`` (or at all); None if none."""
    if requested is None:
        row = conn.fetch_one("select max(session_date) as d from staging.stg_raw__trading_days")
    else:
        row = conn.fetch_one("select max(session_date) as d from staging.stg_raw__trading_days "
                             "where session_date <= :d", {"d": requested})
    value = row["d"] if row else None
    return pd.Timestamp(value).date() if value is not None else None


def read_inputs(conn: Connection, as_of: dt.date) -> RiskInputs:
    """Everything the risk step needs, as DataFrames (dates as ``Timestamp``)."""
    sessions = conn.fetch_df(
        "select session_date from staging.stg_raw__trading_days where session_date <= :d "
        "order by session_date desc limit :n", {"d": as_of, "n": CLOSES_NEEDED})
    index = pd.DatetimeIndex(sorted(pd.to_datetime(sessions["session_date"])))
    start = index[0].date() if len(index) else as_of
    return RiskInputs(
        sessions=index,
        prices=conn.fetch_df(
            "select symbol, price_date, close from staging.stg_raw__prices_daily "
            "where price_date >= :s and price_date <= :d", {"s": start, "d": as_of}),
        positions=conn.fetch_df(
            "select position_id, portfolio_id, symbol, underlying_symbol, asset_type, "
            "position_type, option_type, strike, expiry_date, quantity, multiplier "
            "from intermediate.int_positions_enriched where entry_date <= :d "
            "order by position_id", {"d": as_of}),
        securities=conn.fetch_df("select symbol, short_interest from staging.stg_raw__securities"),
        portfolio_days=conn.fetch_df(
            "select portfolio_id, snapshot_date, equity, portfolio_value, daily_return "
            "from intermediate.int_portfolio_values_daily where snapshot_date <= :d",
            {"d": as_of}),
        tags=conn.fetch_df(
            "select pt.position_id, t.id as tag_id, t.name as tag_name "
            "from app.position_tags pt inner join app.tags t on t.id = pt.tag_id"),
        split_options=split_option_positions(conn, as_of),
    )


def _table_columns(conn: Connection, table: str) -> list[str]:
    rows = conn.fetchall(
        "select column_name from information_schema.columns "
        "where table_schema = 'analytics' and table_name = :t order by ordinal_position",
        {"t": table})
    return [r[0] for r in rows]


def _for_insert(frame: pd.DataFrame) -> pd.DataFrame:
    """Nullable integers and NULLs that both drivers read the same way."""
    out = frame.copy()
    for column in out.columns:
        if column.endswith("_id") or column in _INTEGER_COLUMNS:
            out[column] = pd.to_numeric(out[column], errors="coerce").astype("Int64")
        if out[column].dtype == object:
            out[column] = out[column].where(out[column].notna(), None)
    return out


def write_outputs(conn: Connection, as_of: dt.date,
                  outputs: dict[str, pd.DataFrame]) -> dict[str, int]:
    """Replace the as-of date's rows of every analytics table (inside ``conn``'s txn)."""
    computed_at = pd.Timestamp(dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0))
    counts = {}
    for table in ANALYTICS_TABLES:
        frame = outputs[table].assign(as_of_date=pd.Timestamp(as_of), computed_at=computed_at)
        frame = frame.reindex(columns=_table_columns(conn, table))
        conn.execute(f"delete from analytics.{table} where as_of_date = :d", {"d": as_of})
        counts[table] = conn.insert_df(f"analytics.{table}", _for_insert(frame))
    return counts


def run_risk_step(warehouse: Warehouse, settings: Settings,
                  as_of: dt.date | None = None) -> dict[str, Any]:
    """Read stage 1, compute betas, Greeks, exposures, metrics and VaR, write analytics.*.

    Returns ``{"as_of", "rows": {table: count}, "seconds": {...}, ...counts}``; ``as_of``
    is None (and nothing is written) when no session is loaded yet.
    """
    started = time.perf_counter()
    with warehouse.connect() as conn:
        resolved = resolve_as_of(conn, as_of or settings.as_of_date)
        if resolved is None:
            return {"as_of": None, "rows": {}, "message": "no trading days loaded"}
        inputs = read_inputs(conn, resolved)
    read_done = time.perf_counter()
    outputs = compute_risk(inputs, resolved, settings.risk_free_rate)
    compute_done = time.perf_counter()
    with warehouse.connect() as conn:
        counts = write_outputs(conn, resolved, outputs)
    finished = time.perf_counter()
    metrics = outputs["portfolio_risk_metrics"]
    return {
        "as_of": resolved,
        "rows": counts,
        "portfolios": int(len(metrics)),
        "portfolios_with_insufficient_returns": int(
            (metrics["quality_flag"] == FLAG_INSUFFICIENT).sum()),
        "betas_insufficient": int((outputs["factor_betas"]["quality_flag"] != FLAG_OK).sum()),
        "greeks_fallback": int((outputs["position_greeks"]["greeks_source"]
                                == SOURCE_FALLBACK).sum()),
        "seconds": {"read": round(read_done - started, 3),
                    "compute": round(compute_done - read_done, 3),
                    "write": round(finished - compute_done, 3)},
    }
