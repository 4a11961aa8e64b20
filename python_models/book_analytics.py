"""Risk a PM can act on, for every portfolio at once: frames in, frames out (no I/O).

:func:`compute_book_analytics` runs the factor risk model, the correlations, the stress
library and historical replay, concentration, liquidity, benchmark-relative and rolling
metrics with the pure functions of this package and returns one frame per analytics
table (keys of :data:`BOOK_TABLES`). The conventions of each figure are in the module
that computes it.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from python_models.benchmark import benchmark_relative
from python_models.betas import simple_returns
from python_models.concentration import concentration
from python_models.conventions import FACTORS, MARKET_FACTOR
from python_models.correlations import correlation_matrix, top_correlated_pairs
from python_models.factor_model import (
    FactorCovariance,
    factor_covariance,
    multi_factor_exposures,
)
from python_models.factor_risk import portfolio_factor_risk
from python_models.liquidity import average_daily_volume, portfolio_liquidity, position_liquidity
from python_models.rolling import rolling_metrics
from python_models.stress import aggregate_stress, stress_positions
from python_models.stress_scenarios import SCENARIOS, scenario_moves, worst_windows

BOOK_TABLES = ("factor_covariance", "factor_model_securities", "factor_model_loadings",
               "portfolio_factor_risk", "factor_risk_contributions", "correlation_pairs",
               "stress_scenarios", "stress_results",
               "portfolio_concentration", "position_liquidity", "portfolio_liquidity",
               "portfolio_benchmark_metrics", "portfolio_rolling_metrics")


@dataclass(frozen=True)
class BookInputs:
    """Everything :func:`compute_book_analytics` reads.

    closes, volumes : (sessions × symbols) closes and volumes of the loaded history up to
        the as-of date (NaN where no bar); the factor ETFs among the columns.
    positions : one row per position held on the as-of date: the Greeks step's columns
        (``position_id, portfolio_id, symbol, underlying_symbol, asset_type, option_type,
        quantity, multiplier, spot, strike, t_years, volatility, rate, dollar_delta``)
        plus ``market_value`` and ``sector``.
    portfolio_returns : (dates × portfolio_id) daily returns of the snapshot window.
    equity : equity per portfolio_id.
    tags : ``position_id, tag_id, tag_name``.
    """

    closes: pd.DataFrame
    volumes: pd.DataFrame
    positions: pd.DataFrame
    portfolio_returns: pd.DataFrame
    equity: pd.Series
    tags: pd.DataFrame


def _factor_model(returns: pd.DataFrame, underlyings: list[str]) -> tuple[
        pd.DataFrame, FactorCovariance, pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    factor_returns = returns.reindex(columns=list(FACTORS))
    cov = factor_covariance(factor_returns)
    loadings, stats = multi_factor_exposures(returns.reindex(columns=underlyings),
                                             factor_returns)
    long_cov = pd.DataFrame({"covariance": cov.cov.stack(future_stack=True),
                             "correlation": cov.corr.stack(future_stack=True)})
    long_cov = long_cov.rename_axis(["factor", "factor_other"]).reset_index()
    window = (cov.dates.min(), cov.dates.max()) if len(cov.dates) else (None, None)
    long_cov = long_cov.assign(n_obs=cov.n_obs, quality_flag=cov.quality_flag,
                               window_start=pd.Timestamp(window[0]) if window[0] else None,
                               window_end=pd.Timestamp(window[1]) if window[1] else None)
    long_loadings = pd.DataFrame({"loading": loadings.stack(future_stack=True)}).rename_axis(
        ["symbol", "factor"]).reset_index()
    return factor_returns, cov, loadings, stats.reset_index(), long_cov, long_loadings


def _stress(inputs: BookInputs, positions: pd.DataFrame, loadings: pd.DataFrame,
            cov: pd.DataFrame, factor_returns: pd.DataFrame
            ) -> tuple[pd.DataFrame, pd.DataFrame]:
    moves, shifts = scenario_moves(SCENARIOS, cov)
    worst, replay_moves = worst_windows(positions, loadings, factor_returns, inputs.equity)
    library_pnl = stress_positions(positions, loadings, moves, shifts)
    # each portfolio is revalued under its own worst window per horizon only
    replay_pnl = stress_positions(positions, loadings, replay_moves[list(loadings.columns)],
                                  pd.Series(0.0, index=replay_moves.index),
                                  assignment=worst[["portfolio_id", "scenario"]])
    position_pnl = pd.concat([library_pnl, replay_pnl], ignore_index=True)
    results = aggregate_stress(position_pnl, positions, inputs.tags, inputs.equity)
    library = moves.assign(kind="library", vol_shift=shifts,
                           description=[s.description for s in SCENARIOS],
                           source=[s.source for s in SCENARIOS])
    replay = replay_moves.assign(
        kind="replay", vol_shift=0.0, source="the warehouse's own factor history",
        description="worst " + replay_moves["horizon_days"].astype(str)
        + "-day factor window of the loaded history")
    scenarios = pd.concat([library, replay]).rename_axis("scenario").reset_index()
    scenarios = scenarios.melt(id_vars=[c for c in scenarios.columns if c not in FACTORS],
                               value_vars=list(FACTORS), var_name="factor",
                               value_name="factor_move")
    shocked = {(s.name, f) for s in SCENARIOS for f in s.shocks}
    scenarios["shocked"] = [(s, f) in shocked or k == "replay" for s, f, k in
                            zip(scenarios["scenario"], scenarios["factor"], scenarios["kind"],
                                strict=True)]
    results = results.merge(worst[["portfolio_id", "scenario", "horizon_days"]],
                            on=["portfolio_id", "scenario"], how="left")
    return scenarios, results


def compute_book_analytics(inputs: BookInputs, annual_risk_free: float,
                           participation: float) -> dict[str, pd.DataFrame]:
    """Every table of :data:`BOOK_TABLES` for the as-of date (see the module docstring)."""
    positions = inputs.positions.rename(columns={"dollar_delta": "delta_adjusted_exposure"})
    returns = simple_returns(inputs.closes)
    underlyings = sorted(set(positions["underlying_symbol"].dropna()))
    factor_returns, cov, loadings, stats, long_cov, long_loadings = _factor_model(
        returns, underlyings)
    risk, contributions = portfolio_factor_risk(
        positions, loadings, stats.set_index("symbol")["specific_variance"], cov.cov,
        inputs.equity)
    corr, n_obs = correlation_matrix(returns.reindex(columns=underlyings))
    pairs = top_correlated_pairs(positions, corr, n_obs)
    scenarios, stress_results = _stress(inputs, positions, loadings, cov.cov, factor_returns)
    liquidity_rows = position_liquidity(positions, average_daily_volume(inputs.volumes),
                                        participation)
    market = returns.reindex(columns=[MARKET_FACTOR])[MARKET_FACTOR]
    port_returns = inputs.portfolio_returns
    return {
        "factor_covariance": long_cov,
        "factor_model_securities": stats,
        "factor_model_loadings": long_loadings,
        "portfolio_factor_risk": risk,
        "factor_risk_contributions": contributions,
        "correlation_pairs": pairs,
        "stress_scenarios": scenarios,
        "stress_results": stress_results,
        "portfolio_concentration": concentration(positions, inputs.equity),
        "position_liquidity": liquidity_rows,
        "portfolio_liquidity": portfolio_liquidity(
            liquidity_rows, positions["market_value"].reset_index(drop=True)),
        "portfolio_benchmark_metrics": benchmark_relative(port_returns, market,
                                                          annual_risk_free),
        "portfolio_rolling_metrics": rolling_metrics(port_returns, market, annual_risk_free),
    }
