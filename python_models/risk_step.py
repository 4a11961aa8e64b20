"""The risk step's computation: every analytics table for all portfolios at once, pure.

:func:`compute_risk` takes :class:`RiskInputs` (frames read from the stage-1 models by
``flows/risk_step.py``) and returns one frame per analytics table; it does no I/O, so the
batch, a what-if session and the tests all call the same function. The steps:

1. closes of every symbol on the window's sessions (``closes_needed`` sessions up to the
   as-of date), simple returns on consecutive sessions (:mod:`python_models.betas`);
2. factor betas of every underlying (univariate OLS, last 60 returns);
3. spot (latest close, carried forward), σ (last 30 returns, √252) and days to expiry per
   position, then Greeks (:mod:`python_models.greeks`);
4. delta-adjusted and factor exposures (:mod:`python_models.exposures`);
5. return-based metrics of each portfolio's daily returns (:mod:`python_models.risk_metrics`);
6. parametric VaR with component VaR per position and per tag (:mod:`python_models.var`).

Conventions: :mod:`python_models.conventions`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from python_models.betas import ols_betas, simple_returns
from python_models.conventions import (
    BETA_WINDOW_RETURNS,
    FACTORS,
    MARKET_FACTOR,
    METRICS_MAX_RETURNS,
    SHORT_INTEREST_FACTOR,
    TRADING_DAYS_PER_YEAR,
    VAR_WINDOW_RETURNS,
    VOL_MIN_OBS,
    VOL_WINDOW_RETURNS,
    daily_risk_free,
)
from python_models.exposures import portfolio_factor_exposures, position_factor_exposures
from python_models.greeks import position_greeks
from python_models.risk_metrics import portfolio_risk_metrics
from python_models.var import portfolio_var, var_covariance

ANALYTICS_TABLES = ("position_greeks", "factor_betas", "position_factor_exposures",
                    "portfolio_factor_exposures", "portfolio_risk_metrics", "var_components")
FACTOR_NAMES = {**FACTORS, SHORT_INTEREST_FACTOR: SHORT_INTEREST_FACTOR}
#: sessions of closes the step needs: the longest return window, plus one
CLOSES_NEEDED = max(BETA_WINDOW_RETURNS, VOL_WINDOW_RETURNS, VAR_WINDOW_RETURNS,
                    METRICS_MAX_RETURNS) + 1


@dataclass(frozen=True)
class RiskInputs:
    """What the risk step reads (dates as ``Timestamp``).

    Attributes
    ----------
    sessions : the last :data:`CLOSES_NEEDED` XNYS sessions up to the as-of date, ascending.
    prices : ``symbol, price_date, close`` on those sessions.
    positions : ``position_id, portfolio_id, symbol, underlying_symbol, asset_type,
        position_type, option_type, strike, expiry_date, quantity, multiplier`` — the
        positions entered on or before the as-of date.
    securities : ``symbol, short_interest`` (fraction of float).
    portfolio_days : ``portfolio_id, snapshot_date, equity, portfolio_value,
        daily_return`` up to the as-of date.
    tags : ``position_id, tag_id, tag_name`` (one row per position–tag pair).
    split_options : ``{position_id: reason}`` of option positions whose underlying split
        after their entry (OCC adjusted the contract): their Greeks are a ``fallback``.
    """

    sessions: pd.DatetimeIndex
    prices: pd.DataFrame
    positions: pd.DataFrame
    securities: pd.DataFrame
    portfolio_days: pd.DataFrame
    tags: pd.DataFrame
    split_options: dict[int, str] = field(default_factory=dict)


def closes_matrix(prices: pd.DataFrame, sessions: pd.DatetimeIndex) -> pd.DataFrame:
    """Sessions × symbols of closes (NaN where a symbol has no bar that session)."""
    if prices.empty:
        return pd.DataFrame(index=sessions, dtype=float)
    frame = prices.assign(price_date=pd.to_datetime(prices["price_date"]))
    wide = frame.pivot_table(index="price_date", columns="symbol", values="close",
                             aggfunc="last")
    return wide.reindex(sessions)


def columns_of(frame: pd.DataFrame, symbols: list[str]) -> pd.DataFrame:
    """``frame[symbols]`` with an all-NaN column for a symbol it lacks."""
    return frame.reindex(columns=symbols)


def factor_betas(returns: pd.DataFrame, underlyings: list[str],
                 as_of: pd.Timestamp) -> pd.DataFrame:
    """β of every underlying to every factor over the last 60 returns (long format)."""
    window = returns.iloc[-BETA_WINDOW_RETURNS:]
    betas = ols_betas(columns_of(window, underlyings), columns_of(window, list(FACTORS)))
    betas["factor_name"] = betas["factor"].map(FACTORS)
    betas["window_returns"] = BETA_WINDOW_RETURNS
    betas["window_start"] = window.index[0] if len(window) else pd.NaT
    betas["window_end"] = as_of
    return betas


def with_option_inputs(positions: pd.DataFrame, closes: pd.DataFrame,
                       returns: pd.DataFrame, as_of: pd.Timestamp,
                       rate: float) -> pd.DataFrame:
    """``positions`` plus the Black–Scholes inputs of their underlying.

    spot = the latest close in the window (carried forward) with its session
    (``spot_date``), σ = sample std (ddof 1) of the last 30 returns × √252 (NULL under 20),
    days to expiry in calendar days from the as-of date.
    """
    out = positions.copy()
    last_close = closes.ffill().iloc[-1] if len(closes) else pd.Series(dtype=float)
    last_session = closes.notna().iloc[::-1].idxmax() if len(closes) else pd.Series(
        dtype="datetime64[ns]")
    vol_window = returns.iloc[-VOL_WINDOW_RETURNS:]
    vol_n = vol_window.count()
    vol = (vol_window.std(ddof=1) * np.sqrt(TRADING_DAYS_PER_YEAR)).where(vol_n >= VOL_MIN_OBS)
    u = out["underlying_symbol"]
    has_close = u.map(closes.notna().any()).fillna(False).astype(bool)
    out["spot"] = u.map(last_close).where(has_close)
    out["spot_date"] = pd.to_datetime(u.map(last_session)).where(has_close)
    out["volatility"] = u.map(vol)
    out["volatility_n_obs"] = u.map(vol_n).fillna(0).astype(int)
    out["volatility_window"] = VOL_WINDOW_RETURNS
    out["rate"] = rate
    expiry = pd.to_datetime(out["expiry_date"])
    out["days_to_expiry"] = (expiry - as_of).dt.days.astype("Int64")
    return out


def greeks_table(positions: pd.DataFrame,
                 split_options: dict[int, str] | None = None) -> pd.DataFrame:
    """Positions with their Greeks, ``greeks_source`` and why a fallback was used.

    An option in ``split_options`` (its underlying split after its entry) is priced
    without σ, so its Greeks are the fallback; its reason is the one given there.
    """
    split_reason = positions["position_id"].map(split_options or {})
    flagged = split_reason.notna().to_numpy()
    greeks = position_greeks(positions.assign(
        days_to_expiry=positions["days_to_expiry"].astype(float),
        volatility=positions["volatility"].where(~flagged)))
    days = positions["days_to_expiry"]
    reason = np.select(
        [days.isna().to_numpy(), (days.fillna(0) <= 0).to_numpy(),
         positions["spot"].isna().to_numpy(), positions["volatility"].isna().to_numpy()],
        ["no_expiry", "expired", "no_price", "no_volatility"], "not_computable")
    reason = np.where(flagged, split_reason.astype(object).to_numpy(), reason)
    table = pd.concat([positions, greeks], axis=1)
    table["fallback_reason"] = pd.Series(reason, index=table.index, dtype=object).where(
        greeks["greeks_source"] == "fallback", None)
    table.loc[positions["asset_type"] != "OPTION", ["days_to_expiry"]] = pd.NA
    return table


def exposure_inputs(positions: pd.DataFrame, greeks: pd.DataFrame,
                    securities: pd.DataFrame) -> pd.DataFrame:
    """Per position: delta-adjusted exposure (the dollar delta) and short interest."""
    out = positions[["position_id", "portfolio_id", "underlying_symbol"]].copy()
    out["delta_adjusted_exposure"] = out["position_id"].map(
        greeks.set_index("position_id")["dollar_delta"])
    out["short_interest"] = out["underlying_symbol"].map(
        securities.set_index("symbol")["short_interest"])
    return out


def factor_tables(exposures: pd.DataFrame, betas: pd.DataFrame,
                  equity: pd.Series) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(position × factor rows incl. short interest, portfolio × factor rows)."""
    position_factors = position_factor_exposures(exposures, betas, list(FACTORS))
    si_rows = exposures.assign(factor=SHORT_INTEREST_FACTOR, beta=exposures["short_interest"])
    si_rows["dollar_exposure"] = si_rows["delta_adjusted_exposure"] * si_rows["beta"]
    position_factors = pd.concat([position_factors, si_rows[position_factors.columns]],
                                 ignore_index=True)
    portfolio_factors = portfolio_factor_exposures(
        position_factors[position_factors["factor"] != SHORT_INTEREST_FACTOR], exposures,
        equity)
    portfolio_factors["factor_name"] = portfolio_factors["factor"].map(FACTOR_NAMES)
    return position_factors, portfolio_factors


def return_metrics(days: pd.DataFrame, returns: pd.DataFrame, held: pd.Series,
                   value: pd.Series, rate: float) -> pd.DataFrame:
    """Return-based metrics vs SPY of each portfolio that holds a position (``held``: their
    ids) or has a daily return, on its last 90 daily returns."""
    matrix = days.sort_values("snapshot_date").pivot_table(
        index="snapshot_date", columns="portfolio_id", values="daily_return", aggfunc="last")
    portfolio_ids = sorted(set(held) | set(matrix.columns))
    matrix = matrix.iloc[-METRICS_MAX_RETURNS:].reindex(columns=portfolio_ids)
    market = columns_of(returns, [MARKET_FACTOR])[MARKET_FACTOR].reindex(matrix.index)
    metrics = portfolio_risk_metrics(matrix, market, rate)
    metrics["risk_free_annual"] = rate
    metrics["risk_free_daily"] = daily_risk_free(rate)
    metrics["portfolio_value"] = metrics["portfolio_id"].map(value)
    # dollars and fractions of V only where V > 0 (a book whose value went through
    # zero has no meaningful loss fraction): NULL otherwise
    positive_value = metrics["portfolio_value"].where(metrics["portfolio_value"] > 0)
    metrics["var_95_dollars"] = metrics["var_95"] * positive_value
    metrics["es_95_dollars"] = metrics["es_95"] * positive_value
    return metrics


def compute_risk(inputs: RiskInputs, as_of: dt.date, rate: float) -> dict[str, pd.DataFrame]:
    """Every analytics table for ``as_of``: {table name: frame} (see the module doc)."""
    as_of_ts = pd.Timestamp(as_of)
    closes = closes_matrix(inputs.prices, inputs.sessions)
    returns = simple_returns(closes)
    underlyings = sorted(set(inputs.positions["underlying_symbol"].dropna()))
    betas = factor_betas(returns, underlyings, as_of_ts)
    positions = with_option_inputs(inputs.positions, closes, returns, as_of_ts, rate)
    greeks = greeks_table(positions, inputs.split_options)

    days = inputs.portfolio_days.assign(
        snapshot_date=lambda f: pd.to_datetime(f["snapshot_date"]))
    today = days[days["snapshot_date"] == as_of_ts].set_index("portfolio_id")
    exposures = exposure_inputs(positions, greeks, inputs.securities)
    position_factors, portfolio_factors = factor_tables(exposures, betas, today["equity"])

    metrics = return_metrics(days, returns, positions["portfolio_id"], today["portfolio_value"],
                             rate)
    cov, var_symbols = var_covariance(columns_of(returns.iloc[-VAR_WINDOW_RETURNS:],
                                                 underlyings))
    metrics, components = portfolio_var(
        metrics, exposures.assign(symbol=positions["symbol"].to_numpy()), cov, var_symbols,
        inputs.tags)
    return {
        "position_greeks": greeks,
        "factor_betas": betas,
        "position_factor_exposures": position_factors,
        "portfolio_factor_exposures": portfolio_factors,
        "portfolio_risk_metrics": metrics,
        "var_components": components,
    }
