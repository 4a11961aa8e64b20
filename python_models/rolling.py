"""Rolling 20-day volatility, beta vs SPY and Sharpe of every portfolio (for charts).

For each portfolio and each date t whose window w = the 20 most recent sessions up to and
including t holds a return of the portfolio on every session (and of SPY, for beta)::

    volatility_t = std(r_w, ddof 1) · √252                      (annual decimal)
    sharpe_t     = mean(r_w − r_f) / std(r_w − r_f, ddof 1) · √252
    beta_t       = Cov(r_w, b_w) / Var(b_w)                      (ddof cancels)

r_f is the daily risk-free rate, (1 + r_annual)^(1/252) − 1. A window with a missing
return, a zero standard deviation (Sharpe) or zero benchmark variance (beta) gives NaN.
The result is long: one row per portfolio per date with at least a full window. These
are exactly pandas' ``rolling(20)`` ``std`` / ``mean`` / ``cov`` / ``var`` with
``min_periods = 20``; computed here as one sliding-window view over all portfolios.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view

from python_models.conventions import TRADING_DAYS_PER_YEAR, daily_risk_free

ROLLING_WINDOW = 20
ROLLING_COLUMNS = ["portfolio_id", "metric_date", "window_returns", "rolling_volatility",
                   "rolling_sharpe", "rolling_beta"]


def rolling_metrics(returns: pd.DataFrame, benchmark: pd.Series, annual_risk_free: float,
                    window: int = ROLLING_WINDOW) -> pd.DataFrame:
    """Rolling metrics of every column of ``returns`` (dates × portfolios), long format."""
    r = returns.to_numpy(float)
    n_dates, n_portfolios = r.shape
    if n_dates < window:
        return pd.DataFrame(columns=ROLLING_COLUMNS)
    b = benchmark.reindex(returns.index).to_numpy(float)
    rw = sliding_window_view(r, window, axis=0)                 # W × P × window
    bw = sliding_window_view(b, window)[:, None, :]             # W × 1 × window
    full = ~np.isnan(rw).any(axis=2)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = rw.mean(axis=2)
        centred = rw - mean[..., None]
        sd = np.sqrt((centred ** 2).sum(axis=2) / (window - 1))
        b_centred = bw - bw.mean(axis=2, keepdims=True)
        cov = (centred * b_centred).sum(axis=2)
        var_b = (b_centred ** 2).sum(axis=2)
        rf = daily_risk_free(annual_risk_free)
        # the sample std of r − r_f is that of r (a constant shift)
        sharpe = (mean - rf) / sd * np.sqrt(TRADING_DAYS_PER_YEAR)
        beta = cov / var_b
    # constant windows have zero dispersion exactly (not a round-off residue of the mean)
    varies = rw.max(axis=2) > rw.min(axis=2)
    b_varies = bw.max(axis=2) > bw.min(axis=2)
    volatility = np.where(full, np.where(varies, sd * np.sqrt(TRADING_DAYS_PER_YEAR), 0.0),
                          np.nan)
    sharpe = np.where(full & varies, sharpe, np.nan)
    beta = np.where(full & b_varies & np.isfinite(var_b), beta, np.nan)
    dates = returns.index[window - 1:]
    out = pd.DataFrame({
        "portfolio_id": np.tile(returns.columns.to_numpy(), len(dates)),
        "metric_date": np.repeat(dates.to_numpy(), n_portfolios),
        "window_returns": window,
        "rolling_volatility": volatility.ravel(),
        "rolling_sharpe": sharpe.ravel(),
        "rolling_beta": beta.ravel(),
    })
    kept: pd.DataFrame = out[full.ravel()]
    return kept.sort_values(["portfolio_id", "metric_date"], kind="stable"
                            ).reset_index(drop=True)[ROLLING_COLUMNS]
