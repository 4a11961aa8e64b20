"""Stress requests and responses with their conventions."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from api.schemas.book_risk import EXAMPLES
from python_models.conventions import FACTORS

STRESS_CONVENTIONS = {
    "shocks": "simple returns of factor ETFs (decimal: -0.10 = -10 %), any subset of SPY, "
              "MTUM, VTV, VUG, QUAL, IWM, SPLV",
    "unshocked_factors": "move by their expectation given the shocked ones under the "
                         "60-session factor covariance F: m_U = F_US F_SS^-1 s "
                         "(factor_moves[].shocked = false)",
    "propagation": "each underlying moves by r = b . m with b its joint multi-factor "
                   "exposures (a factor ETF moves by exactly its factor's move); no alpha, "
                   "no residual",
    "stocks": "P&L = exposure x r (linear)",
    "options": "full Black-Scholes revaluation, instantaneous (same T and r): "
               "q x 100 x [BS(S (1 + r), sigma + vol_shift) - BS(S, sigma)], sigma floored "
               "at 1e-4 (the sigma -> 0+ limit); at expiry the intrinsic value; without a "
               "volatility: delta-adjusted exposure x r ('delta_fallback')",
    "vol_shift": "absolute change of annualised volatility, decimal (0.10 = +10 vol points)",
    "pnl": "dollars, positive = gain; pnl_fraction = P&L / equity",
    "excluded": "positions without a factor model or a price: NULL P&L, counted in "
                "n_excluded, left out of the sums",
    "groups": "by sector (no sector: 'Unknown') and by tag (a position counts in each of its "
              "tags; 'untagged')",
    "replay": "kind = replay: the portfolio's worst 1-day and 5-day factor windows of the "
              "loaded history, all 7 factors as observed, vol shift 0",
}


class StressRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"shocks": {"SPY": -0.10}, "vol_shift": 0.0}]})

    shocks: dict[str, float] = Field(
        default_factory=dict, description="factor -> simple return (decimal), > -1")
    vol_shift: float = Field(0.0, ge=-1.0, le=3.0,
                             description="absolute change of annualised vol, decimal")

    @field_validator("shocks")
    @classmethod
    def _known_factors_and_returns(cls, shocks: dict[str, float]) -> dict[str, float]:
        unknown = sorted(set(shocks) - set(FACTORS))
        if unknown:
            raise ValueError(f"unknown factor(s) {unknown}; use any of {list(FACTORS)}")
        bad = sorted(k for k, v in shocks.items() if not -1.0 < v <= 10.0)
        if bad:
            raise ValueError(f"shock(s) of {bad} must be simple returns in (-1, 10]")
        return shocks


class StressReport(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [EXAMPLES["stress"]]})

    portfolio_id: int
    as_of: dt.date = Field(description="as-of date of the risk run whose inputs are used")
    vol_shift: float
    factor_moves: list[dict[str, Any]] = Field(description="every factor: move, shocked")
    total: dict[str, Any] = Field(description="pnl, pnl_fraction, n_positions, n_excluded")
    by_sector: list[dict[str, Any]]
    by_tag: list[dict[str, Any]]
    positions: list[dict[str, Any]] = Field(description="per position: underlying_return, "
                                                        "pnl, method")
    conventions: dict[str, str]


class ScenarioLibrary(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [EXAMPLES["scenarios"]]})

    portfolio_id: int
    as_of: dt.date
    scenarios: list[dict[str, Any]] = Field(
        description="library scenarios, then this portfolio's worst replay windows: factor "
                    "moves, vol shift, source, and P&L in total, by sector and by tag")
    conventions: dict[str, str]
