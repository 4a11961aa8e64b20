"""Risk responses: Greeks, factor exposures, risk metrics and VaR, with their conventions.

Every number carries its unit, sign, horizon and confidence in its ``Field`` description,
and every response has a ``conventions`` object repeating them, so a reader of the JSON
alone can recompute each figure from the inputs it lists (S, K, expiry, days, σ, r;
n_obs and window for betas; number of returns and window for the metrics).
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field

GREEKS_CONVENTIONS = {
    "model": "Black-Scholes, European, no dividends (mibian's conventions)",
    "spot": "S = latest close of the underlying on or before the as-of date",
    "time": "T = calendar days to expiry / 365",
    "volatility": "sigma = sample std (ddof 1) of the underlying's last 30 daily simple "
                  "returns x sqrt(252), annual decimal",
    "rate": "r = configured risk-free rate, annual decimal, continuously compounded",
    "contract_greeks": "per share of the option: delta and gamma per $1 of spot, theta per "
                       "calendar day, vega per 1 vol point, rho per 1 rate point",
    "position_greeks": "per-contract x quantity x multiplier (100 for options); stocks: "
                       "delta = quantity, other Greeks 0",
    "dollar_delta": "position delta x S = delta-adjusted exposure, signed dollars",
    "fallback": "when not computable (expired, no price, no volatility): the design's "
                "per-contract table x |quantity| x multiplier, rho NULL, "
                "greeks_source = 'fallback'",
    "views": "portfolio = every position; longs = quantity > 0; shorts = quantity < 0",
}
FACTOR_CONVENTIONS = {
    "beta": "univariate OLS with intercept of the security's simple daily returns on the "
            "factor ETF's, last 60 sessions ending at the as-of date, pairwise dates; "
            "equal to statsmodels OLS params/bse/tvalues/rsquared",
    "insufficient_data": "fewer than 20 paired returns: beta, SE, t and R^2 are NULL "
                         "(never 0), quality_flag = 'insufficient_data'",
    "options": "options take their underlying's beta and enter through delta: "
               "delta-adjusted exposure = delta x q x 100 x S",
    "dollar_exposure": "delta-adjusted exposure x beta, signed dollars",
    "exposure": "sum of dollar exposures / equity, signed (a short with positive beta "
                "lowers it)",
    "short_interest": "8th factor: sum of (delta-adjusted exposure / equity) x short "
                      "interest (fraction of float); NULL short interest excluded and "
                      "counted in n_positions_excluded",
}
METRICS_CONVENTIONS = {
    "returns": "daily portfolio returns r_t = P&L_t / V_{t-1} over the snapshot window "
               "(up to 90 sessions)",
    "volatility": "empyrical annual_volatility: std (ddof 1) x sqrt(252), annual decimal",
    "sharpe_ratio": "empyrical sharpe_ratio with daily risk-free (1 + r)^(1/252) - 1, "
                    "annualised by sqrt(252)",
    "max_drawdown": "empyrical max_drawdown: worst peak-to-trough fall of the compounded "
                    "returns, <= 0",
    "beta": "empyrical beta vs SPY daily simple returns on the same dates",
    "historical_var": "95 %, 1 day: -empyrical value_at_risk(r, 0.05) (5th percentile, "
                      "linear interpolation); POSITIVE = loss, as a fraction of V and in "
                      "dollars (x V on the as-of date)",
    "historical_es": "95 %, 1 day: -empyrical conditional_value_at_risk(r, 0.05) (mean of "
                     "the worst floor((n-1) x 0.05) + 1 returns); positive = loss",
    "parametric_var": "95 %, 1 day: 1.645 x sqrt(x' S x), positive dollars; S = sample "
                      "covariance (ddof 1) of the underlyings' last 60 daily returns; x = "
                      "delta-adjusted exposures summed per underlying",
    "component_var": "Euler: x_i (S x)_j / sqrt(x' S x) x 1.645 with j the position's "
                     "underlying; positions sum to the parametric VaR",
    "tag_component_var": "sum over the positions carrying the tag; a position with "
                         "several tags counts in each (tag rows may sum to more than "
                         "the total); positions without tags form 'untagged'",
}


class PositionGreeks(BaseModel):
    position_id: int
    symbol: str
    underlying_symbol: str
    asset_type: str = Field(description="STOCK | ETF | OPTION")
    position_type: str = Field(description="LONG | SHORT | LC | LP | SC | SP")
    quantity: float = Field(description="signed: shares or contracts")
    multiplier: int = Field(description="100 for options, 1 otherwise")
    greeks_source: Literal["black_scholes", "stock", "fallback"]
    fallback_reason: str | None = Field(description="expired | no_price | no_volatility | ...")
    spot: float | None = Field(description="S, $ per share of the underlying")
    spot_date: dt.date | None = Field(description="session of S")
    strike: float | None = Field(description="K, $ per share")
    expiry_date: dt.date | None
    days_to_expiry: int | None = Field(description="calendar days from the as-of date")
    t_years: float | None = Field(description="T = days_to_expiry / 365")
    volatility: float | None = Field(description="σ, annualised decimal (0.25 = 25 %)")
    volatility_n_obs: int | None = Field(description="daily returns behind σ (of 30)")
    rate: float | None = Field(description="r, annual decimal")
    theoretical_price: float | None = Field(description="BS price per share of the option")
    contract_delta: float | None = Field(description="per share of the option, per $1 of S")
    contract_gamma: float | None = Field(description="per share, per $1 of S")
    contract_theta: float | None = Field(description="per share, $ per calendar day")
    contract_vega: float | None = Field(description="per share, $ per 1 vol point")
    contract_rho: float | None = Field(description="per share, $ per 1 rate point")
    delta: float | None = Field(description="position: shares-equivalent (per-contract·q·m)")
    gamma: float | None = Field(description="position: Δdelta per $1 of S")
    theta: float | None = Field(description="position: $ per calendar day")
    vega: float | None = Field(description="position: $ per 1 vol point")
    rho: float | None = Field(description="position: $ per 1 rate point (NULL for fallback)")
    dollar_delta: float | None = Field(description="delta · S = delta-adjusted exposure, $")


class GreeksTotals(BaseModel):
    """Σ over the view's positions that have the figure; null when none has it."""

    delta: float | None = Field(description="Σ position delta (shares-equivalent; mixes "
                                            "underlyings — prefer dollar_delta)")
    dollar_delta: float | None = Field(description="Σ delta · S, signed $ (null when no "
                                                   "position has a spot)")
    gamma: float | None = Field(description="Σ position gamma")
    theta: float | None = Field(description="Σ $ per calendar day")
    vega: float | None = Field(description="Σ $ per 1 vol point")
    rho: float | None = Field(description="Σ $ per 1 rate point over rows with a rho")
    n_positions: int
    n_fallback: int = Field(description="rows with greeks_source = 'fallback'")


class GreeksReport(BaseModel):
    portfolio_id: int
    as_of: dt.date
    view: Literal["portfolio", "longs", "shorts"]
    totals: GreeksTotals
    stale_positions: int = Field(0, description="positions valued at a close carried "
                                 "forward on the as-of date (no bar that session)")
    positions: list[PositionGreeks]
    conventions: dict[str, str] = Field(description="units and definitions of every field")


class PortfolioFactor(BaseModel):
    factor: str = Field(description="SPY, MTUM, VTV, VUG, QUAL, IWM, SPLV or short_interest")
    factor_name: str = Field(description="market, momentum, value, growth, quality, size, "
                                         "low_volatility, short_interest")
    exposure: float | None = Field(description="Σ dollar exposure / equity, signed fraction")
    dollar_exposure: float | None = Field(description="Σ delta-adjusted exposure · β, $")
    equity: float | None = Field(description="the portfolio's equity, $")
    n_positions: int
    n_positions_excluded: int = Field(description="positions left out: NULL β / SI")


class PositionFactor(BaseModel):
    position_id: int
    symbol: str
    underlying_symbol: str
    factor: str
    beta: float | None = Field(description="β of the underlying (short_interest: SI "
                                           "fraction of float); NULL = not enough data")
    std_error: float | None = Field(description="OLS standard error of β")
    t_stat: float | None = Field(description="β / SE (NULL for a perfect fit)")
    r_squared: float | None
    n_obs: int | None = Field(description="paired daily returns used (of 60)")
    quality_flag: str | None = Field(description="ok | insufficient_data | "
                                                 "zero_factor_variance")
    window_start: dt.date | None = Field(description="first return date of the window")
    window_end: dt.date | None = Field(description="last return date (= as-of)")
    delta_adjusted_exposure: float | None = Field(description="$, signed")
    dollar_exposure: float | None = Field(description="delta-adjusted exposure · β, $")


class FactorReport(BaseModel):
    portfolio_id: int
    as_of: dt.date
    window_returns: int = Field(description="60 daily returns")
    stale_positions: int = Field(0, description="positions valued at a close carried "
                                 "forward on the as-of date (no bar that session)")
    min_obs: int = Field(description="20 paired returns, else NULL")
    factors: list[PortfolioFactor]
    positions: list[PositionFactor]
    conventions: dict[str, str]


class VarComponent(BaseModel):
    component_level: Literal["position", "tag"]
    position_id: int | None
    symbol: str | None
    underlying_symbol: str | None
    tag_id: int | None
    tag_name: str | None = Field(description="tag name, or 'untagged'")
    delta_adjusted_exposure: float | None = Field(description="$, signed (positions)")
    marginal_var: float | None = Field(description="1.645·(Σx)_j/σ_p: VaR $ per $ of "
                                                   "exposure to the underlying")
    component_var: float | None = Field(description="$, 95 %, 1 day; positions sum to the "
                                                    "parametric VaR")
    share_of_var: float | None = Field(description="component / parametric VaR")
    n_positions: int


class RiskMetrics(BaseModel):
    n_returns: int = Field(description="daily returns used (up to 90)")
    first_return_date: dt.date | None
    last_return_date: dt.date | None
    volatility: float | None = Field(description="annualised, decimal (√252)")
    sharpe_ratio: float | None = Field(description="annualised; daily r_f = (1+r)^(1/252)−1")
    risk_free_annual: float
    risk_free_daily: float
    max_drawdown: float | None = Field(description="≤ 0, fraction (−0.1 = −10 %)")
    beta: float | None = Field(description="realised β vs SPY daily returns")
    beta_n_obs: int
    var_95: float | None = Field(description="historical VaR, 95 %, 1 day, positive loss "
                                             "fraction of V")
    es_95: float | None = Field(description="historical expected shortfall, 95 %, 1 day, "
                                            "positive loss fraction")
    portfolio_value: float | None = Field(description="V on the as-of date, $")
    var_95_dollars: float | None = Field(description="var_95 · V, positive $ "
                                                     "(NULL when V ≤ 0)")
    es_95_dollars: float | None = Field(description="es_95 · V, positive $")
    parametric_sigma: float | None = Field(description="sqrt(xᵀΣx), $ 1-day std")
    parametric_var_95: float | None = Field(description="1.645·σ, positive $, 95 %, 1 day")
    parametric_var_95_fraction: float | None = Field(description="/ V")
    var_z: float = Field(description="1.645")
    var_window_returns: int = Field(description="60 daily returns behind Σ")
    var_n_securities: int = Field(description="underlyings in x")
    var_n_positions_excluded: int = Field(description="positions without exposure or "
                                                      "enough returns (≥ 20) for Σ")
    confidence: float = Field(description="0.95")
    horizon_days: int = Field(description="1")
    quality_flag: str


class MetricsReport(BaseModel):
    portfolio_id: int
    as_of: dt.date
    stale_positions: int = Field(0, description="positions valued at a close carried "
                                 "forward on the as-of date (no bar that session)")
    metrics: RiskMetrics
    var_components_positions: list[VarComponent]
    var_components_tags: list[VarComponent]
    conventions: dict[str, str]


# --- OpenAPI examples (one long call: mibian BS([195.25, 200, 4.5, 28], volatility=25.4)) --

GREEKS_EXAMPLE = {
    "portfolio_id": 1, "as_of": "2026-11-20", "view": "portfolio",
    "totals": {"delta": 398.4254, "dollar_delta": 77792.56, "gamma": 28.0972,
               "theta": -103.7947, "vega": 208.7103, "rho": 56.8071, "n_positions": 1,
               "n_fallback": 0},
    "positions": [{
        "position_id": 42, "symbol": "AAPL261218C00200000", "underlying_symbol": "AAPL",
        "asset_type": "OPTION", "position_type": "LC", "quantity": 10.0, "multiplier": 100,
        "greeks_source": "black_scholes", "fallback_reason": None, "spot": 195.25,
        "spot_date": "2026-11-20", "strike": 200.0, "expiry_date": "2026-12-18",
        "days_to_expiry": 28, "t_years": 0.076712, "volatility": 0.254,
        "volatility_n_obs": 30, "rate": 0.045, "theoretical_price": 3.7405,
        "contract_delta": 0.398425, "contract_gamma": 0.028097, "contract_theta": -0.103795,
        "contract_vega": 0.20871, "contract_rho": 0.056807, "delta": 398.4254,
        "gamma": 28.0972, "theta": -103.7947, "vega": 208.7103, "rho": 56.8071,
        "dollar_delta": 77792.56}],
    "conventions": GREEKS_CONVENTIONS,
}

FACTORS_EXAMPLE = {
    "portfolio_id": 1, "as_of": "2026-11-20", "window_returns": 60, "min_obs": 20,
    "factors": [{"factor": "SPY", "factor_name": "market", "exposure": 0.0595,
                 "dollar_exposure": 179250.0, "equity": 3012345.67, "n_positions": 1,
                 "n_positions_excluded": 0}],
    "positions": [{
        "position_id": 7, "symbol": "AAPL", "underlying_symbol": "AAPL", "factor": "SPY",
        "beta": 1.25, "std_error": 0.08, "t_stat": 15.625, "r_squared": 0.81, "n_obs": 60,
        "quality_flag": "ok", "window_start": "2026-08-26", "window_end": "2026-11-20",
        "delta_adjusted_exposure": 143400.0, "dollar_exposure": 179250.0}],
    "conventions": FACTOR_CONVENTIONS,
}

METRICS_EXAMPLE = {
    "portfolio_id": 1, "as_of": "2026-11-20",
    "metrics": {
        "n_returns": 89, "first_return_date": "2026-07-16", "last_return_date": "2026-11-20",
        "volatility": 0.142, "sharpe_ratio": 1.35, "risk_free_annual": 0.045,
        "risk_free_daily": 0.000174739, "max_drawdown": -0.061, "beta": 0.42,
        "beta_n_obs": 89, "var_95": 0.0141, "es_95": 0.0187, "portfolio_value": 3111111.07,
        "var_95_dollars": 43866.67, "es_95_dollars": 58177.78, "parametric_sigma": 24316.11,
        "parametric_var_95": 40000.0, "parametric_var_95_fraction": 0.012857,
        "var_z": 1.645, "var_window_returns": 60, "var_n_securities": 1,
        "var_n_positions_excluded": 0, "confidence": 0.95, "horizon_days": 1,
        "quality_flag": "ok"},
    "var_components_positions": [{
        "component_level": "position", "position_id": 7, "symbol": "AAPL",
        "underlying_symbol": "AAPL", "tag_id": None, "tag_name": None,
        "delta_adjusted_exposure": 143400.0, "marginal_var": 0.278940, "component_var": 40000.0,
        "share_of_var": 1.0, "n_positions": 1}],
    "var_components_tags": [{
        "component_level": "tag", "position_id": None, "symbol": None,
        "underlying_symbol": None, "tag_id": 3, "tag_name": "tech",
        "delta_adjusted_exposure": 143400.0, "marginal_var": None, "component_var": 40000.0,
        "share_of_var": 1.0, "n_positions": 1}],
    "conventions": METRICS_CONVENTIONS,
}
