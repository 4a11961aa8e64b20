"""The risk step sharded by portfolio: split the per-portfolio inputs, merge the outputs.

The market half of the risk step (closes, returns, betas, the VaR covariance:
:func:`python_models.market.session_market`) is per security and is computed once; the
portfolio half (:func:`python_models.risk_step.portfolio_risk`) then runs on shards of
at most ``size`` portfolios, each with the same market and the same metric window
(:func:`python_models.risk_step.return_dates`). The union of the shards' rows is the
all-at-once computation: the per-security and per-position figures (betas, Σ, spot, σ,
Greeks, exposures) are the same numbers bit for bit; per-portfolio aggregates may differ
by floating-point re-association only (a matrix product or a NumPy reduction over a
different number of portfolios groups its sums differently), within 1e-12 relative
(``tests/python_models/test_risk_shards.py``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence

import pandas as pd

from python_models.risk_step import PortfolioInputs, RiskInputs, portfolio_risk, shared_state


def portfolios_of(inputs: PortfolioInputs) -> list[int]:
    """Every portfolio the risk step reports: those holding a position or having a day."""
    ids = set(inputs.positions["portfolio_id"]) | set(inputs.portfolio_days["portfolio_id"])
    return sorted(int(p) for p in ids)


def shard_ids(portfolio_ids: Iterable[int], size: int) -> list[list[int]]:
    """The distinct ``portfolio_ids``, ascending, in consecutive shards of ≤ ``size``."""
    if size < 1:
        raise ValueError(f"a shard holds at least one portfolio, not {size}")
    ids = sorted({int(p) for p in portfolio_ids})
    return [ids[start:start + size] for start in range(0, len(ids), size)]


def select_portfolios(inputs: PortfolioInputs, portfolio_ids: Sequence[int]) -> PortfolioInputs:
    """The rows of ``inputs`` that belong to ``portfolio_ids`` (row order kept)."""
    positions = inputs.positions[inputs.positions["portfolio_id"].isin(portfolio_ids)]
    days = inputs.portfolio_days[inputs.portfolio_days["portfolio_id"].isin(portfolio_ids)]
    held = set(positions["position_id"])
    return PortfolioInputs(
        positions=positions.reset_index(drop=True),
        portfolio_days=days.reset_index(drop=True),
        tags=inputs.tags[inputs.tags["position_id"].isin(held)].reset_index(drop=True),
        split_options={k: v for k, v in inputs.split_options.items() if k in held})


def split_inputs(inputs: PortfolioInputs, size: int) -> Iterator[PortfolioInputs]:
    """``inputs`` in shards of ≤ ``size`` portfolios (:func:`shard_ids`)."""
    for shard in shard_ids(portfolios_of(inputs), size) or [[]]:  # none: one empty shard
        yield select_portfolios(inputs, shard)


def merge_outputs(parts: Iterable[dict[str, pd.DataFrame]]) -> dict[str, pd.DataFrame]:
    """The shards' tables concatenated per table (shard order, then row order)."""
    collected: dict[str, list[pd.DataFrame]] = {}
    for part in parts:
        for name, frame in part.items():
            collected.setdefault(name, []).append(frame)
    return {name: pd.concat(frames, ignore_index=True) for name, frames in collected.items()}


def compute_risk_sharded(inputs: RiskInputs, as_of: dt.date, rate: float,
                         size: int) -> dict[str, pd.DataFrame]:
    """:func:`python_models.risk_step.compute_risk` with the portfolio half in shards of
    ≤ ``size`` portfolios, one after the other (the in-memory form of the batch's path)."""
    market, dates = shared_state(inputs, as_of, rate)
    shards = (portfolio_risk(market, shard, dates)
              for shard in split_inputs(inputs.portfolio_inputs(), size))
    return {"factor_betas": market.betas, **merge_outputs(shards)}
