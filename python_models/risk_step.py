"""The risk step: read stage-1 models, compute every portfolio at once, write analytics.*.

``run_risk_step(warehouse, settings, as_of=None)`` reads

- ``staging.stg_raw__trading_days`` (sessions), ``staging.stg_raw__prices_daily``
  (closes), ``staging.stg_raw__securities`` (short interest),
- ``intermediate.int_positions_enriched`` (positions with the security master terms),
- ``intermediate.int_portfolio_values_daily`` (daily returns, equity, portfolio value),
- ``app.position_tags`` / ``app.tags`` (tag membership),

computes factor betas, Greeks, factor exposures, return-based risk metrics and
parametric VaR with the pure functions of this package (vectorised over all securities,
positions and portfolios), and replaces the as-of date's rows of every ``analytics.*``
table in one transaction (idempotent; a failure leaves the previous rows).

The as-of date is ``as_of``, else ``settings.as_of_date``, else the latest loaded
session; it is snapped to the latest loaded session on or before it. The positions
are those entered on or before the as-of date.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import numpy as np
import pandas as pd

from ingest.config import Settings
from ingest.warehouse import Connection, Warehouse
from python_models.betas import ols_betas, pairwise_covariance, simple_returns
from python_models.conventions import (
    BETA_WINDOW_RETURNS,
    FACTORS,
    FLAG_INSUFFICIENT,
    FLAG_OK,
    MARKET_FACTOR,
    METRICS_MAX_RETURNS,
    SHORT_INTEREST_FACTOR,
    TRADING_DAYS_PER_YEAR,
    VAR_CONFIDENCE,
    VAR_HORIZON_DAYS,
    VAR_MIN_OBS,
    VAR_WINDOW_RETURNS,
    VAR_Z,
    VOL_MIN_OBS,
    VOL_WINDOW_RETURNS,
    daily_risk_free,
)
from python_models.exposures import portfolio_factor_exposures, position_factor_exposures
from python_models.greeks import position_greeks
from python_models.risk_metrics import portfolio_risk_metrics
from python_models.var import parametric_var, tag_components

ANALYTICS_TABLES = ("position_greeks", "factor_betas", "position_factor_exposures",
                    "portfolio_factor_exposures", "portfolio_risk_metrics", "var_components")
FACTOR_NAMES = {**FACTORS, SHORT_INTEREST_FACTOR: SHORT_INTEREST_FACTOR}


# --------------------------------------------------------------------------- reading

def _resolve_as_of(conn: Connection, requested: dt.date | None) -> dt.date | None:
    if requested is None:
        row = conn.fetch_one("select max(session_date) as d from staging.stg_raw__trading_days")
    else:
        row = conn.fetch_one("select max(session_date) as d from staging.stg_raw__trading_days "
                             "where session_date <= :d", {"d": requested})
    value = row["d"] if row else None
    return pd.Timestamp(value).date() if value is not None else None


def read_inputs(conn: Connection, as_of: dt.date) -> dict[str, Any]:
    """Everything the risk step needs, as DataFrames (dates as ``Timestamp``)."""
    closes_needed = max(BETA_WINDOW_RETURNS, VOL_WINDOW_RETURNS, VAR_WINDOW_RETURNS,
                        METRICS_MAX_RETURNS) + 1
    sessions = conn.fetch_df(
        "select session_date from staging.stg_raw__trading_days where session_date <= :d "
        "order by session_date desc limit :n", {"d": as_of, "n": closes_needed})
    sessions = pd.DatetimeIndex(sorted(pd.to_datetime(sessions["session_date"])))
    start = sessions[0].date() if len(sessions) else as_of
    prices = conn.fetch_df(
        "select symbol, price_date, close from staging.stg_raw__prices_daily "
        "where price_date >= :s and price_date <= :d", {"s": start, "d": as_of})
    positions = conn.fetch_df(
        "select position_id, portfolio_id, symbol, underlying_symbol, asset_type, "
        "position_type, option_type, strike, expiry_date, quantity, multiplier "
        "from intermediate.int_positions_enriched where entry_date <= :d "
        "order by position_id", {"d": as_of})
    securities = conn.fetch_df(
        "select symbol, short_interest from staging.stg_raw__securities")
    portfolio_days = conn.fetch_df(
        "select portfolio_id, snapshot_date, equity, portfolio_value, daily_return "
        "from intermediate.int_portfolio_values_daily where snapshot_date <= :d",
        {"d": as_of})
    tags = conn.fetch_df(
        "select pt.position_id, t.id as tag_id, t.name as tag_name "
        "from app.position_tags pt inner join app.tags t on t.id = pt.tag_id")
    return {"sessions": sessions, "prices": prices, "positions": positions,
            "securities": securities, "portfolio_days": portfolio_days, "tags": tags}


# --------------------------------------------------------------------------- computing

def _closes_matrix(prices: pd.DataFrame, sessions: pd.DatetimeIndex) -> pd.DataFrame:
    if prices.empty:
        return pd.DataFrame(index=sessions, dtype=float)
    frame = prices.assign(price_date=pd.to_datetime(prices["price_date"]))
    wide = frame.pivot_table(index="price_date", columns="symbol", values="close",
                             aggfunc="last")
    return wide.reindex(sessions)


def _column(frame: pd.DataFrame, symbol: str) -> pd.Series:
    return frame[symbol] if symbol in frame.columns else pd.Series(np.nan, index=frame.index)


def compute_risk(inputs: dict[str, Any], as_of: dt.date, rate: float) -> dict[str, pd.DataFrame]:
    """Pure computation of every analytics table for ``as_of`` (no I/O)."""
    sessions: pd.DatetimeIndex = inputs["sessions"]
    positions: pd.DataFrame = inputs["positions"].copy()
    as_of_ts = pd.Timestamp(as_of)
    closes = _closes_matrix(inputs["prices"], sessions)
    returns = simple_returns(closes)
    underlyings = sorted(set(positions["underlying_symbol"].dropna()))
    factor_list = list(FACTORS)

    # ---- betas (last 60 returns ending at the as-of date, pairwise)
    beta_window = returns.iloc[-BETA_WINDOW_RETURNS:]
    sec_returns = pd.DataFrame({s: _column(beta_window, s) for s in underlyings},
                               index=beta_window.index)
    fac_returns = pd.DataFrame({f: _column(beta_window, f) for f in factor_list},
                               index=beta_window.index)
    betas = ols_betas(sec_returns, fac_returns)
    betas["factor_name"] = betas["factor"].map(FACTORS)
    betas["window_returns"] = BETA_WINDOW_RETURNS
    betas["window_start"] = beta_window.index[0] if len(beta_window) else pd.NaT
    betas["window_end"] = as_of_ts

    # ---- spot and volatility per underlying
    last_close = closes.ffill().iloc[-1] if len(closes) else pd.Series(dtype=float)
    # session of the latest close per symbol (NaT when none in the window)
    last_session = closes.notna().iloc[::-1].idxmax() if len(closes) else pd.Series(
        dtype="datetime64[ns]")
    vol_window = returns.iloc[-VOL_WINDOW_RETURNS:]
    vol_n = vol_window.count()
    vol = vol_window.std(ddof=1) * np.sqrt(TRADING_DAYS_PER_YEAR)
    vol = vol.where(vol_n >= VOL_MIN_OBS)
    u = positions["underlying_symbol"]
    has_close = u.map(closes.notna().any()).fillna(False).astype(bool)
    positions["spot"] = u.map(last_close).where(has_close)
    positions["spot_date"] = pd.to_datetime(u.map(last_session)).where(has_close)
    positions["volatility"] = u.map(vol)
    positions["volatility_n_obs"] = u.map(vol_n).fillna(0).astype(int)
    positions["volatility_window"] = VOL_WINDOW_RETURNS
    positions["rate"] = rate
    expiry = pd.to_datetime(positions["expiry_date"])
    positions["days_to_expiry"] = (expiry - as_of_ts).dt.days.astype("Int64")

    # ---- Greeks
    greeks_in = positions.assign(days_to_expiry=positions["days_to_expiry"].astype(float))
    greeks = position_greeks(greeks_in)
    is_option = positions["asset_type"] == "OPTION"
    reason = np.select(
        [positions["days_to_expiry"].isna().to_numpy(),
         (positions["days_to_expiry"].fillna(0) <= 0).to_numpy(),
         positions["spot"].isna().to_numpy(), positions["volatility"].isna().to_numpy()],
        ["no_expiry", "expired", "no_price", "no_volatility"], "not_computable")
    position_greeks_frame = pd.concat([positions, greeks], axis=1)
    position_greeks_frame["fallback_reason"] = np.where(
        greeks["greeks_source"] == "fallback", reason, None)
    position_greeks_frame.loc[~is_option, ["days_to_expiry"]] = pd.NA
    dae = position_greeks_frame.set_index("position_id")["dollar_delta"]

    # ---- equity and value on the as-of date, daily returns (up to 90)
    days = inputs["portfolio_days"].assign(
        snapshot_date=lambda f: pd.to_datetime(f["snapshot_date"]))
    today = days[days["snapshot_date"] == as_of_ts].set_index("portfolio_id")
    equity, value = today["equity"], today["portfolio_value"]

    # ---- factor exposures
    exposure_in = positions[["position_id", "portfolio_id", "underlying_symbol"]].copy()
    exposure_in["delta_adjusted_exposure"] = exposure_in["position_id"].map(dae)
    short_interest = inputs["securities"].set_index("symbol")["short_interest"]
    exposure_in["short_interest"] = exposure_in["underlying_symbol"].map(short_interest)
    position_factors = position_factor_exposures(exposure_in, betas, factor_list)
    si_rows = exposure_in.assign(factor=SHORT_INTEREST_FACTOR, beta=exposure_in["short_interest"])
    si_rows["dollar_exposure"] = si_rows["delta_adjusted_exposure"] * si_rows["beta"]
    position_factors = pd.concat([position_factors, si_rows[position_factors.columns]],
                                 ignore_index=True)
    portfolio_factors = portfolio_factor_exposures(
        position_factors[position_factors["factor"] != SHORT_INTEREST_FACTOR], exposure_in,
        equity)
    portfolio_factors["factor_name"] = portfolio_factors["factor"].map(FACTOR_NAMES)

    # ---- return-based metrics
    window = days.sort_values("snapshot_date")
    matrix = window.pivot_table(index="snapshot_date", columns="portfolio_id",
                                values="daily_return", aggfunc="last")
    matrix = matrix.iloc[-METRICS_MAX_RETURNS:]
    market = _column(returns, MARKET_FACTOR).reindex(matrix.index)
    portfolio_ids = sorted(set(positions["portfolio_id"]) | set(matrix.columns))
    matrix = matrix.reindex(columns=portfolio_ids)
    metrics = portfolio_risk_metrics(matrix, market, rate)
    metrics["risk_free_annual"] = rate
    metrics["risk_free_daily"] = daily_risk_free(rate)
    metrics["portfolio_value"] = metrics["portfolio_id"].map(value)
    # dollars and fractions of V only where V > 0 (a book whose value went through
    # zero has no meaningful loss fraction): NULL otherwise
    positive_value = metrics["portfolio_value"].where(metrics["portfolio_value"] > 0)
    metrics["var_95_dollars"] = metrics["var_95"] * positive_value
    metrics["es_95_dollars"] = metrics["es_95"] * positive_value

    # ---- parametric VaR (all portfolios at once)
    var_returns = returns.iloc[-VAR_WINDOW_RETURNS:]
    var_sec = pd.DataFrame({s: _column(var_returns, s) for s in underlyings},
                           index=var_returns.index)
    cov, n_pairs = pairwise_covariance(var_sec, min_obs=VAR_MIN_OBS)
    usable = np.diag(n_pairs) >= VAR_MIN_OBS if len(underlyings) else np.zeros(0, bool)
    # a pair of usable securities with < 20 overlapping returns: covariance taken as 0
    cov = np.nan_to_num(cov[np.ix_(usable, usable)])
    var_symbols = [s for s, ok in zip(underlyings, usable, strict=True) if ok]
    sym_index = {s: i for i, s in enumerate(var_symbols)}
    pid_index = {p: i for i, p in enumerate(portfolio_ids)}
    pos = exposure_in[["position_id", "portfolio_id", "underlying_symbol",
                       "delta_adjusted_exposure"]].copy()
    pos["symbol"] = positions["symbol"].to_numpy()
    pos["j"] = pos["underlying_symbol"].map(sym_index)
    pos["p"] = pos["portfolio_id"].map(pid_index)
    included = pos["j"].notna() & pos["delta_adjusted_exposure"].notna()
    x = np.zeros((len(portfolio_ids), len(var_symbols)))
    inc = pos[included]
    np.add.at(x, (inc["p"].to_numpy(int), inc["j"].to_numpy(int)),
              inc["delta_adjusted_exposure"].to_numpy(float))
    pvar = parametric_var(x, cov) if len(var_symbols) else {
        "sigma": np.full(len(portfolio_ids), np.nan), "var": np.full(len(portfolio_ids), np.nan),
        "marginal": np.zeros((len(portfolio_ids), 0))}
    marginal = np.full(len(pos), np.nan)
    marginal[included.to_numpy()] = pvar["marginal"][inc["p"].to_numpy(int),
                                                     inc["j"].to_numpy(int)]
    pos["marginal_var"] = marginal
    pos["component_var"] = pos["delta_adjusted_exposure"] * pos["marginal_var"]
    total = pd.Series(pvar["var"], index=portfolio_ids)
    metrics["parametric_sigma"] = pvar["sigma"]
    metrics["parametric_var_95"] = pvar["var"]
    metrics["parametric_var_95_fraction"] = metrics["parametric_var_95"] / positive_value
    metrics["var_z"] = VAR_Z
    metrics["var_window_returns"] = VAR_WINDOW_RETURNS
    metrics["var_n_securities"] = (x != 0).sum(axis=1)
    metrics["var_n_positions_excluded"] = metrics["portfolio_id"].map(
        (~included).groupby(pos["portfolio_id"]).sum()).fillna(0).astype(int)
    metrics["confidence"] = VAR_CONFIDENCE
    metrics["horizon_days"] = VAR_HORIZON_DAYS

    position_components = pos.assign(
        component_level="position",
        component_key="position:" + pos["position_id"].astype(str),
        tag_id=pd.NA, tag_name=None, n_positions=1)
    tags = tag_components(pos[["position_id", "portfolio_id", "component_var"]],
                          inputs["tags"])
    tag_rows = tags.assign(
        component_level="tag", component_key="tag:" + tags["tag_name"].astype(str),
        position_id=pd.NA, symbol=None, underlying_symbol=None,
        delta_adjusted_exposure=np.nan, marginal_var=np.nan)
    components = pd.concat([position_components, tag_rows], ignore_index=True)
    components["share_of_var"] = components["component_var"] / components["portfolio_id"].map(
        total)
    return {
        "position_greeks": position_greeks_frame,
        "factor_betas": betas,
        "position_factor_exposures": position_factors,
        "portfolio_factor_exposures": portfolio_factors,
        "portfolio_risk_metrics": metrics,
        "var_components": components,
    }


# --------------------------------------------------------------------------- writing

def _table_columns(conn: Connection, table: str) -> list[str]:
    rows = conn.fetchall(
        "select column_name from information_schema.columns "
        "where table_schema = 'analytics' and table_name = :t order by ordinal_position",
        {"t": table})
    return [r[0] for r in rows]


def write_outputs(conn: Connection, as_of: dt.date, outputs: dict[str, pd.DataFrame]) -> dict:
    """Replace the as-of date's rows of every analytics table (inside ``conn``'s txn)."""
    computed_at = pd.Timestamp(dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0))
    counts = {}
    for table in ANALYTICS_TABLES:
        columns = _table_columns(conn, table)
        frame = outputs[table].assign(as_of_date=pd.Timestamp(as_of), computed_at=computed_at)
        frame = frame.reindex(columns=columns)
        conn.execute(f"delete from analytics.{table} where as_of_date = :d", {"d": as_of})
        counts[table] = conn.insert_df(f"analytics.{table}", _for_insert(frame))
    return counts


def _for_insert(frame: pd.DataFrame) -> pd.DataFrame:
    """Nullable integers and NULLs that both drivers read the same way."""
    out = frame.copy()
    for column in out.columns:
        if column.endswith("_id") or column in {"n_obs", "days_to_expiry", "n_positions"}:
            out[column] = pd.to_numeric(out[column], errors="coerce").astype("Int64")
        if out[column].dtype == object:
            out[column] = out[column].where(out[column].notna(), None)
    return out


def run_risk_step(warehouse: Warehouse, settings: Settings,
                  as_of: dt.date | None = None) -> dict[str, Any]:
    """Read stage 1, compute betas, Greeks, exposures, metrics and VaR, write analytics.*.

    Returns ``{"as_of", "rows": {table: count}, "seconds": {...}}``; ``as_of`` is None
    (and nothing is written) when no session is loaded yet.
    """
    started = time.perf_counter()
    with warehouse.connect() as conn:
        resolved = _resolve_as_of(conn, as_of or settings.as_of_date)
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
                                == "fallback").sum()),
        "seconds": {"read": round(read_done - started, 3),
                    "compute": round(compute_done - read_done, 3),
                    "write": round(finished - compute_done, 3)},
    }
