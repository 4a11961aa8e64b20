"""The risk step's computation: every analytics table, pure.

:func:`compute_risk` takes :class:`RiskInputs` (frames read from the stage-1 models by
``flows/risk_step.py``) and returns one frame per analytics table; it does no I/O, so the
batch, a what-if session and the tests all call the same functions. It has two halves:

- the market half, per security, once per as-of date
  (:func:`python_models.market.session_market`): closes of the window's sessions
  (``closes_needed`` sessions up to the as-of date), simple returns, factor betas of
  every underlying (univariate OLS, last 60 returns) and the VaR covariance;
- the portfolio half, :func:`portfolio_risk`, on any set of portfolios
  (:class:`PortfolioInputs`) with that market:
  1. spot (latest close, carried forward), σ (last 30 returns, √252) and days to expiry
     per position, then Greeks (:mod:`python_models.greeks`);
  2. delta-adjusted and factor exposures (:mod:`python_models.exposures`);
  3. return-based metrics of each portfolio's daily returns on the as-of date's metric
     window (:func:`return_dates`, the same for every portfolio)
     (:mod:`python_models.risk_metrics`);
  4. parametric VaR with component VaR per position and per tag (:mod:`python_models.var`).

A portfolio's rows depend only on its own inputs and the market, so the batch may run
the portfolio half shard by shard (:mod:`python_models.risk_shards`).
Conventions: :mod:`python_models.conventions`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

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
from python_models.market import SessionMarket, columns_of, session_market
from python_models.risk_metrics import portfolio_risk_metrics
from python_models.var import portfolio_var

ANALYTICS_TABLES = ("position_greeks", "factor_betas", "position_factor_exposures",
                    "portfolio_factor_exposures", "portfolio_risk_metrics", "var_components")
FACTOR_NAMES = {**FACTORS, SHORT_INTEREST_FACTOR: SHORT_INTEREST_FACTOR}
#: sessions of closes the step needs: the longest return window, plus one
CLOSES_NEEDED = max(BETA_WINDOW_RETURNS, VOL_WINDOW_RETURNS, VAR_WINDOW_RETURNS,
                    METRICS_MAX_RETURNS) + 1


@dataclass(frozen=True)
class PortfolioInputs:
    """The per-portfolio inputs of a set of portfolios (dates as ``Timestamp``).

    Attributes
    ----------
    positions : ``position_id, portfolio_id, symbol, underlying_symbol, asset_type,
        position_type, option_type, strike, expiry_date, quantity, multiplier`` — the
        positions entered on or before the as-of date.
    portfolio_days : ``portfolio_id, snapshot_date, equity, portfolio_value,
        daily_return`` up to the as-of date.
    tags : ``position_id, tag_id, tag_name`` (one row per position–tag pair).
    split_options : ``{position_id: reason}`` of option positions whose underlying split
        after their entry (OCC adjusted the contract): their Greeks are a ``fallback``.
    """

    positions: pd.DataFrame
    portfolio_days: pd.DataFrame
    tags: pd.DataFrame
    split_options: dict[int, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RiskInputs:
    """What the risk step reads for all portfolios at once (dates as ``Timestamp``).

    Attributes
    ----------
    sessions : the last :data:`CLOSES_NEEDED` XNYS sessions up to the as-of date, ascending.
    prices : ``symbol, price_date, close`` on those sessions.
    positions, portfolio_days, tags, split_options : as in :class:`PortfolioInputs`.
    securities : ``symbol, short_interest`` (fraction of float).
    """

    sessions: pd.DatetimeIndex
    prices: pd.DataFrame
    positions: pd.DataFrame
    securities: pd.DataFrame
    portfolio_days: pd.DataFrame
    tags: pd.DataFrame
    split_options: dict[int, str] = field(default_factory=dict)

    def portfolio_inputs(self) -> PortfolioInputs:
        """The per-portfolio part of these inputs."""
        return PortfolioInputs(self.positions, self.portfolio_days, self.tags,
                               self.split_options)


def underlyings_of(positions: pd.DataFrame) -> list[str]:
    """The distinct underlyings of ``positions``, sorted (the market half's securities)."""
    return sorted(set(positions["underlying_symbol"].dropna()))


def return_dates(dates_with_return: pd.Series) -> pd.DatetimeIndex:
    """The window of the return-based metrics, common to every portfolio: the last
    :data:`~python_models.conventions.METRICS_MAX_RETURNS` dates on which any portfolio
    has a daily return, ascending (``dates_with_return``: one date per such row)."""
    dates = pd.DatetimeIndex(pd.to_datetime(dates_with_return.dropna().unique()))
    return dates.sort_values()[-METRICS_MAX_RETURNS:]


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
                   value: pd.Series, rate: float, dates: pd.DatetimeIndex) -> pd.DataFrame:
    """Return-based metrics vs SPY of each portfolio that holds a position (``held``: their
    ids) or has a daily return, on its daily returns of the window ``dates``
    (:func:`return_dates`)."""
    matrix = days.sort_values("snapshot_date").pivot_table(
        index="snapshot_date", columns="portfolio_id", values="daily_return", aggfunc="last")
    portfolio_ids = sorted(set(held) | set(matrix.columns))
    matrix = matrix.reindex(index=dates, columns=portfolio_ids)
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


def portfolio_risk(market: SessionMarket, inputs: PortfolioInputs,
                   dates: pd.DatetimeIndex) -> dict[str, pd.DataFrame]:
    """Every per-portfolio analytics table of the portfolios of ``inputs`` (all but
    ``factor_betas``, which is per security: ``market.betas``).

    ``market``: :func:`~python_models.market.session_market` of the as-of date over the
    underlyings of *every* portfolio of the run; ``dates``: :func:`return_dates` of
    every portfolio of the run.
    """
    positions = with_option_inputs(inputs.positions, market.closes, market.returns,
                                   market.as_of, market.rate)
    greeks = greeks_table(positions, inputs.split_options)
    days = inputs.portfolio_days.assign(
        snapshot_date=lambda f: pd.to_datetime(f["snapshot_date"]))
    today = days[days["snapshot_date"] == market.as_of].set_index("portfolio_id")
    exposures = exposure_inputs(positions, greeks, market.securities)
    position_factors, portfolio_factors = factor_tables(exposures, market.betas,
                                                        today["equity"])
    metrics = return_metrics(days, market.returns, positions["portfolio_id"],
                             today["portfolio_value"], market.rate, dates)
    metrics, components = portfolio_var(
        metrics, exposures.assign(symbol=positions["symbol"].to_numpy()), market.covariance,
        market.var_symbols, inputs.tags)
    return {
        "position_greeks": greeks,
        "position_factor_exposures": position_factors,
        "portfolio_factor_exposures": portfolio_factors,
        "portfolio_risk_metrics": metrics,
        "var_components": components,
    }


def shared_state(inputs: RiskInputs, as_of: dt.date,
                 rate: float) -> tuple[SessionMarket, pd.DatetimeIndex]:
    """What every portfolio of a run shares: the market half over the underlyings of all
    positions and the metric window (:func:`return_dates`) of all portfolios."""
    market = session_market(inputs.sessions, inputs.prices, inputs.securities,
                            underlyings_of(inputs.positions), pd.Timestamp(as_of), rate)
    days = inputs.portfolio_days
    return market, return_dates(days.loc[days["daily_return"].notna(), "snapshot_date"])


def compute_risk(inputs: RiskInputs, as_of: dt.date, rate: float) -> dict[str, pd.DataFrame]:
    """Every analytics table for ``as_of``, all portfolios at once: {table name: frame}."""
    market, dates = shared_state(inputs, as_of, rate)
    return {"factor_betas": market.betas,
            **portfolio_risk(market, inputs.portfolio_inputs(), dates)}
