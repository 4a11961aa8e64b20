"""Responses of the factor risk model, correlations, concentration / liquidity and
benchmark routes, with their conventions (units, sign, horizon) stated once each."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.common import recorded_examples

EXAMPLES = recorded_examples("risk_depth")

FACTOR_MODEL_CONVENTIONS = {
    "factor_covariance": "numpy.cov (ddof 1) of the 7 factor ETFs' daily simple returns over "
                         "the sessions of the last 60 where all 7 exist, x 252: annual "
                         "decimal^2; correlation is its normalisation",
    "exposures": "joint OLS (with intercept) of each security's daily returns on all 7 "
                 "factors at once over the same sessions: b_s,k per unit factor return. Not "
                 "the univariate betas of /risk/factors, which add up the collinear ETFs' "
                 "common market move several times",
    "specific_variance": "residual variance SSR / (n - 8) x 252 (statsmodels mse_resid, "
                         "annualised); a factor ETF's is 0 and its exposure its unit vector",
    "portfolio": "x = delta-adjusted dollar exposure per underlying; B = sum x_s b_s "
                 "(dollars); factor variance B'FB, specific sum x_s^2 s2_s, total = factor "
                 "+ specific (dollars^2 per year); *_risk = sqrt: annualised dollar "
                 "volatility; *_risk_fraction = / equity",
    "contributions": "Euler: variance_contribution_k = B_k (F B)_k sums to the factor "
                     "variance; risk_contribution = / factor_risk sums to factor_risk; "
                     "share_of_factor_risk sums to 1; negative = the factor hedges",
    "insufficient_data": "fewer than 20 sessions: NULL with quality_flag (never 0); "
                         "securities without a model are excluded and counted",
}
CORRELATION_CONVENTIONS = {
    "correlation": "Pearson, pairwise-complete daily simple returns of the underlyings over "
                   "the last 60 sessions up to the as-of date (like DataFrame.corr); NULL "
                   "with fewer than 20 common returns or zero variance",
    "top_pairs": "per portfolio the 10 pairs of distinct underlyings with the largest "
                 "|correlation| (sign kept)",
    "matrix": "matrix=true: the full matrix of the book's underlyings, computed on request "
              "from the stored closes with the same estimator",
}
CONCENTRATION_CONVENTIONS = {
    "name_weight": "w_n = delta-adjusted exposure summed per underlying / equity (signed "
                   "fraction); a stock and its options are one name",
    "top_weights": "top5 / top10 = sum of the 5 / 10 largest |w_n|",
    "herfindahl": "sum (|w_n| / sum |w|)^2 over names, in [1/N, 1]; effective_names = 1/HHI",
    "largest_sector": "the sector with the largest |net| delta-adjusted exposure; weight = "
                      "net / equity, gross_weight = sum |w_n| / equity; no sector = 'Unknown'",
    "adv": "average daily volume of the position's own symbol (shares; contracts for an "
           "option) over the last 20 sessions from its first bar; a later session without "
           "a bar counts as 0",
    "days_to_liquidate": "|q| / (participation_rate x ADV), trading days; pct_of_adv = "
                         "|q| / ADV (1.5 = 150 %); no volume: NULL, liquidity_flag "
                         "'no_volume'",
    "liquid_1d_fraction": "share of the book's market value sellable within one day at "
                          "the participation rate",
}
BENCHMARK_CONVENTIONS = {
    "returns": "daily portfolio returns r_t = P&L_t / V_{t-1} over the snapshot window; "
               "benchmark b = SPY daily simple returns on the same sessions",
    "alpha_beta": "empyrical alpha_beta with the daily risk-free (1 + r)^(1/252) - 1: beta "
                  "= Cov(r, b) / Var(b); alpha annualised (1 + mean excess)^252 - 1",
    "tracking_error": "std(r - b, ddof 1) x sqrt(252), annual decimal",
    "information_ratio": "mean(r - b) / std(r - b) x sqrt(252) (empyrical excess_sharpe "
                         "annualised)",
    "sortino_ratio": "empyrical sortino_ratio, required return = daily risk-free",
    "calmar_ratio": "empyrical calmar_ratio: CAGR / |max drawdown|, NULL without a "
                    "drawdown",
    "capture": "empyrical up_capture / down_capture: CAGR of r over the sessions with b > 0 "
               "(< 0) / CAGR of b over them",
    "rolling": "windows of the 20 most recent sessions with a return each: volatility std x "
               "sqrt(252), Sharpe mean(r - r_f) / std x sqrt(252), beta Cov/Var vs SPY "
               "(pandas rolling(20))",
    "insufficient_data": "fewer than 20 returns: NULL with quality_flag",
}


class Report(BaseModel):
    """Common head of every report: the portfolio, the run's as-of date, conventions."""

    portfolio_id: int
    as_of: dt.date = Field(description="as-of date of the risk run")
    conventions: dict[str, str]


class FactorModelReport(Report):
    model_config = ConfigDict(json_schema_extra={"examples": [EXAMPLES["factor_model"]]})

    factors: list[str] = Field(description="SPY, MTUM, VTV, VUG, QUAL, IWM, SPLV")
    covariance: list[list[float | None]] = Field(description="K x K, annual decimal^2, "
                                                             "rows/columns in `factors` order")
    correlation: list[list[float | None]]
    n_obs: int = Field(description="sessions used")
    window_start: dt.date | None
    window_end: dt.date | None
    quality_flag: str
    risk: dict[str, Any] = Field(description="the portfolio's factor / specific / total "
                                             "variance (dollars^2 per year) and risk")
    contributions: list[dict[str, Any]] = Field(description="one row per factor")
    securities: list[dict[str, Any]] = Field(description="the book's underlyings: joint "
                                                         "exposures and specific risk")


class CorrelationReport(Report):
    model_config = ConfigDict(json_schema_extra={"examples": [EXAMPLES["correlations"]]})

    top_pairs: list[dict[str, Any]]
    symbols: list[str] | None = Field(None, description="matrix=true only")
    matrix: list[list[float | None]] | None = Field(None, description="matrix=true only")


class ConcentrationReport(Report):
    model_config = ConfigDict(json_schema_extra={"examples": [EXAMPLES["concentration"]]})

    concentration: dict[str, Any]
    liquidity: dict[str, Any]
    positions: list[dict[str, Any]] = Field(description="per position liquidity")


class BenchmarkReport(Report):
    model_config = ConfigDict(json_schema_extra={"examples": [EXAMPLES["benchmark"]]})

    benchmark: str = Field(description="SPY")
    metrics: dict[str, Any]
    rolling: list[dict[str, Any]] = Field(description="one row per session, oldest first")
