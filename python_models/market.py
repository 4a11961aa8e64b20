"""The market side of the risk computation: closes, returns, betas and the VaR covariance.

Everything here is per security, not per portfolio: it depends on the closes of the
window and on the set of underlyings, so the risk step computes it once per as-of date
(:func:`session_market`) and every shard of portfolios reuses it
(:func:`python_models.risk_step.portfolio_risk`); a what-if session derives it from its
frozen closes the same way (:mod:`python_models.proforma`).

- closes: sessions × symbols (``closes_matrix``), simple returns on consecutive sessions
  (:func:`python_models.betas.simple_returns`);
- β of every underlying to every factor: univariate OLS over the last
  :data:`~python_models.conventions.BETA_WINDOW_RETURNS` returns (:func:`factor_betas`);
- Σ: sample covariance of the underlyings' returns over the last
  :data:`~python_models.conventions.VAR_WINDOW_RETURNS` returns
  (:func:`python_models.var.var_covariance`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from python_models.betas import ols_betas, simple_returns
from python_models.conventions import BETA_WINDOW_RETURNS, FACTORS, VAR_WINDOW_RETURNS
from python_models.var import var_covariance


@dataclass(frozen=True)
class SessionMarket:
    """Market inputs of one as-of date (see the module doc)."""

    as_of: pd.Timestamp
    rate: float
    closes: pd.DataFrame          # sessions × symbols
    returns: pd.DataFrame         # sessions × symbols, simple daily returns
    betas: pd.DataFrame           # long: symbol, factor, beta, n_obs, quality_flag, ...
    securities: pd.DataFrame      # symbol, short_interest
    covariance: np.ndarray        # usable VaR securities × the same
    var_symbols: list[str]        # the securities of ``covariance``, in order

    @cached_property
    def last_close(self) -> pd.Series:
        """Latest close per symbol in the window (carried forward), NaN without one."""
        return self.closes.ffill().iloc[-1] if len(self.closes) else pd.Series(dtype=float)


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


def session_market(sessions: pd.DatetimeIndex, prices: pd.DataFrame,
                   securities: pd.DataFrame, underlyings: list[str], as_of: pd.Timestamp,
                   rate: float) -> SessionMarket:
    """Returns, betas of ``underlyings`` and the VaR covariance from the closes.

    ``prices``: ``symbol, price_date, close`` on ``sessions`` (symbols beyond the
    underlyings and the factor ETFs do not change any figure); ``securities``:
    ``symbol, short_interest``.
    """
    closes = closes_matrix(prices, sessions)
    returns = simple_returns(closes)
    covariance, var_symbols = var_covariance(
        columns_of(returns.iloc[-VAR_WINDOW_RETURNS:], sorted(underlyings)))
    return SessionMarket(as_of, rate, closes, returns,
                         factor_betas(returns, sorted(underlyings), as_of), securities,
                         covariance, var_symbols)
