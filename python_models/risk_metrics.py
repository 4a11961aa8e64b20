"""Risk metrics of portfolio daily returns, every portfolio at once (empyrical).

Input is a (dates × portfolios) matrix of daily returns r_t = P&L_t / V_{t−1}, NaN
where a portfolio has no return on a date. empyrical's functions accept such a matrix
column-wise (NaN-aware), so each column gives exactly what empyrical returns for that
portfolio's own series:

- ``volatility``: ``annual_volatility`` = std(r, ddof=1) · √252 (annual decimal).
- ``sharpe_ratio``: ``sharpe_ratio(r, risk_free=r_f,daily)`` = mean(r − r_f) /
  std(r − r_f) · √252, where the daily risk-free rate is (1 + r_annual)^(1/252) − 1.
- ``max_drawdown``: ``max_drawdown`` — the worst peak-to-trough fall of the
  compounded return index, ≤ 0 (a fraction; −0.12 = −12 %).
- ``beta``: ``beta(r, r_SPY)`` on the dates where both exist (SPY's simple returns of
  closes on the same sessions).
- ``var_95`` / ``es_95``: historical 1-day VaR and expected shortfall at 95 %.
  empyrical's ``value_at_risk(r, 0.05)`` is the 5th percentile return (linear
  interpolation) and ``conditional_value_at_risk(r, 0.05)`` the mean of the lowest
  ⌊(n − 1)·0.05⌋ + 1 returns — both *returns* (usually negative). We report them as
  **positive loss fractions**: ``var_95 = −value_at_risk``, ``es_95 = −cvar`` (a
  negative number would mean even the tail made money), and in dollars × the
  portfolio value on the as-of date.
Fewer than 2 returns → NULL numbers with ``quality_flag = 'insufficient_data'``.
"""

from __future__ import annotations

import empyrical
import numpy as np
import pandas as pd

from python_models.conventions import (
    FLAG_INSUFFICIENT,
    FLAG_OK,
    METRICS_MIN_RETURNS,
    VAR_CUTOFF,
    daily_risk_free,
)

METRIC_COLUMNS = ["portfolio_id", "n_returns", "first_return_date", "last_return_date",
                  "volatility", "sharpe_ratio", "max_drawdown", "beta", "beta_n_obs",
                  "var_95", "es_95", "quality_flag"]


def historical_var(returns: np.ndarray, cutoff: float = VAR_CUTOFF) -> np.ndarray:
    """Column-wise ``empyrical.value_at_risk`` (a return; NaNs ignored)."""
    out = np.full(returns.shape[1], np.nan)
    has = (~np.isnan(returns)).any(axis=0)
    if has.any():
        out[has] = np.nanpercentile(returns[:, has], 100 * cutoff, axis=0)
    return out


def historical_cvar(returns: np.ndarray, cutoff: float = VAR_CUTOFF) -> np.ndarray:
    """Column-wise ``empyrical.conditional_value_at_risk`` (a return; NaNs ignored)."""
    n = (~np.isnan(returns)).sum(axis=0)
    tail = ((n - 1) * cutoff).astype(int) + 1  # int() truncates toward 0, as empyrical
    ordered = np.sort(returns, axis=0)  # NaNs sort last
    in_tail = np.arange(returns.shape[0])[:, None] < tail[None, :]
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(in_tail, ordered, 0.0).sum(axis=0) / tail
    return np.where(n > 0, out, np.nan)


def portfolio_risk_metrics(returns: pd.DataFrame, market_returns: pd.Series,
                           annual_risk_free: float) -> pd.DataFrame:
    """Volatility, Sharpe, drawdown, beta, VaR and ES for every column of ``returns``.

    Parameters
    ----------
    returns : (dates × portfolio_id) daily returns, NaN where absent.
    market_returns : SPY daily simple returns indexed by date (aligned by date).
    annual_risk_free : annual decimal rate, converted with :func:`daily_risk_free`.

    Returns
    -------
    One row per portfolio with :data:`METRIC_COLUMNS` (VaR/ES positive loss fractions).
    """
    matrix = returns.to_numpy(float)
    market = market_returns.reindex(returns.index).to_numpy(float)
    n = (~np.isnan(matrix)).sum(axis=0)
    enough = n >= METRICS_MIN_RETURNS
    rf = daily_risk_free(annual_risk_free)
    with np.errstate(invalid="ignore", divide="ignore"):
        volatility = empyrical.annual_volatility(matrix)
        sharpe = empyrical.sharpe_ratio(matrix, risk_free=rf)
        drawdown = empyrical.max_drawdown(matrix)
        beta = empyrical.beta(matrix, market) if len(matrix) else np.full(len(n), np.nan)
    beta_n = ((~np.isnan(matrix)) & ~np.isnan(market)[:, None]).sum(axis=0)
    dates = returns.index.to_numpy()
    present = ~np.isnan(matrix)
    first = [dates[col].min() if col.any() else pd.NaT for col in present.T]
    last = [dates[col].max() if col.any() else pd.NaT for col in present.T]
    out = pd.DataFrame({
        "portfolio_id": returns.columns.to_numpy(),
        "n_returns": n.astype(np.int64),
        "first_return_date": first,
        "last_return_date": last,
        "volatility": np.where(enough, volatility, np.nan),
        "sharpe_ratio": np.where(enough, sharpe, np.nan),
        "max_drawdown": np.where(enough, drawdown, np.nan),
        "beta": np.where(enough & (beta_n >= METRICS_MIN_RETURNS), beta, np.nan),
        "beta_n_obs": beta_n.astype(np.int64),
        "var_95": np.where(enough, -historical_var(matrix), np.nan),
        "es_95": np.where(enough, -historical_cvar(matrix), np.nan),
        "quality_flag": np.where(enough, FLAG_OK, FLAG_INSUFFICIENT),
    })
    return out[METRIC_COLUMNS]
