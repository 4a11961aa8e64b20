"""Every convention of the risk engine, in one place (design §5).

Units and signs
---------------
- Returns are simple daily returns of closes, ``r_t = p_t / p_{t-1} - 1``, computed on
  consecutive XNYS sessions only (a missing close makes the two returns around it
  missing; gaps are never bridged).
- Annualisation: √252 trading days for volatility; 365 calendar days for option time.
- Rates are annual decimals (0.045 = 4.5 %). The Black–Scholes rate is used as a
  continuously compounded rate (as mibian does). The Sharpe ratio converts the annual
  risk-free rate to a daily one geometrically: ``(1 + r) ** (1 / 252) - 1``.
- Greeks follow mibian (the reference implementation, used only in tests): delta per
  $1 of spot, gamma per $1 of spot, theta per calendar day (annual theta / 365), vega
  per 1 volatility point (∂P/∂σ / 100), rho per 1 rate point (∂P/∂r / 100).
- VaR and expected shortfall are reported as **positive losses** (a fraction of the
  portfolio value and dollars), 1-day horizon, 95 % confidence.
- Parametric VaR uses z = 1.645 exactly as written in the design (not
  ``norm.ppf(0.95)`` = 1.6448536…) and the *sample* covariance (ddof = 1).
"""

from __future__ import annotations

from typing import Final

TRADING_DAYS_PER_YEAR: Final = 252
CALENDAR_DAYS_PER_YEAR: Final = 365
OPTION_MULTIPLIER: Final = 100

# Factor betas: univariate OLS with intercept over the last 60 returns (61 closes).
BETA_WINDOW_RETURNS: Final = 60
BETA_MIN_OBS: Final = 20
FACTORS: Final[dict[str, str]] = {
    "SPY": "market",
    "MTUM": "momentum",
    "VTV": "value",
    "VUG": "growth",
    "QUAL": "quality",
    "IWM": "size",
    "SPLV": "low_volatility",
}
MARKET_FACTOR: Final = "SPY"
SHORT_INTEREST_FACTOR: Final = "short_interest"

# Greeks: σ from the underlying's last 30 daily returns (sample std, ddof = 1) × √252.
VOL_WINDOW_RETURNS: Final = 30
VOL_MIN_OBS: Final = 20

# Risk metrics on the portfolio's daily returns (the snapshot window).
METRICS_MAX_RETURNS: Final = 90
METRICS_MIN_RETURNS: Final = 2
VAR_CONFIDENCE: Final = 0.95
VAR_CUTOFF: Final = 1.0 - VAR_CONFIDENCE  # empyrical's ``cutoff`` (lower tail)
VAR_HORIZON_DAYS: Final = 1
VAR_Z: Final = 1.645
VAR_WINDOW_RETURNS: Final = 60
VAR_MIN_OBS: Final = 20
COVARIANCE_DDOF: Final = 1

# Quality flags (NULL numbers always carry one of these).
FLAG_OK: Final = "ok"
FLAG_INSUFFICIENT: Final = "insufficient_data"
FLAG_ZERO_VARIANCE: Final = "zero_factor_variance"
FLAG_NO_PRICE: Final = "no_price"

# Greeks sources.
SOURCE_BS: Final = "black_scholes"
SOURCE_STOCK: Final = "stock"
SOURCE_FALLBACK: Final = "fallback"

# Per-contract fallback Greeks (design §5); signs already reflect long/short, so the
# position value is this × |q| × m. Rho is not in the table: fallback rho is NULL.
FALLBACK_GREEKS: Final[dict[str, dict[str, float]]] = {
    "LC": {"delta": 0.6, "gamma": 0.02, "theta": -0.5, "vega": 0.3},
    "SC": {"delta": -0.4, "gamma": -0.02, "theta": 0.5, "vega": -0.3},
    "LP": {"delta": -0.4, "gamma": 0.02, "theta": -0.5, "vega": 0.3},
    "SP": {"delta": 0.3, "gamma": -0.02, "theta": 0.5, "vega": -0.3},
}
UNTAGGED: Final = "untagged"


def daily_risk_free(annual_rate: float) -> float:
    """Annual risk-free rate → daily: ``(1 + r) ** (1 / 252) - 1``."""
    return float((1.0 + annual_rate) ** (1.0 / TRADING_DAYS_PER_YEAR)) - 1.0


# Scenarios and stress tests: a volatility shifted to or below zero is priced at this
# floor (decimal, 0.01 vol point), i.e. at the σ → 0⁺ limit of Black–Scholes.
SCENARIO_VOL_FLOOR: Final = 1e-4
