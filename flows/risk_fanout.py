"""How the risk step runs its shards: in this process, or as Prefect tasks on a runner.

A *shard runner* takes the shards' inputs (an iterator the risk step fills by reading one
shard at a time), the market half and the metric window, and yields each shard's tables
(:func:`python_models.risk_step.portfolio_risk`) in the shards' order:

- :func:`in_process` computes them one after the other (the in-process batch,
  :mod:`flows.pipeline`);
- :func:`prefect_shards` submits each shard as the Prefect task :func:`risk_shard` to a
  task runner (:func:`task_runner`): a ``DaskTaskRunner`` (prefect-dask) on the cluster at
  ``settings.dask_address`` when set, else a thread pool of
  ``settings.risk_shards_in_flight`` threads. At most ``risk_shards_in_flight`` shards are
  submitted and not yet handed back, so the reader never runs further ahead of the writer
  and peak memory stays ``shard size × shards in flight`` whatever the number of
  portfolios. Dask workers run the pure computation only (no warehouse access): they
  need the project's code importable, nothing else.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Generator, Iterable
from typing import Any

import pandas as pd
from prefect import task
from prefect.cache_policies import NO_CACHE
from prefect.futures import PrefectFuture
from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner
from prefect_dask import DaskTaskRunner

from ingest.config import Settings
from python_models.market import SessionMarket
from python_models.risk_step import PortfolioInputs, portfolio_risk

Tables = dict[str, pd.DataFrame]
Results = Generator[Tables, None, None]
ShardRunner = Callable[[Iterable[PortfolioInputs], SessionMarket, pd.DatetimeIndex], Results]


def in_process(shards: Iterable[PortfolioInputs], market: SessionMarket,
               dates: pd.DatetimeIndex) -> Results:
    """Each shard's tables, computed here one after the other."""
    for shard in shards:
        yield portfolio_risk(market, shard, dates)


@task(name="risk-shard", cache_policy=NO_CACHE, persist_result=False)
def risk_shard(market: SessionMarket, shard: PortfolioInputs,
               dates: pd.DatetimeIndex) -> Tables:
    """The portfolio half of one shard (pure; no retries: nothing here does I/O)."""
    return portfolio_risk(market, shard, dates)


def task_runner(settings: Settings) -> TaskRunner[Any]:
    """The Dask cluster at ``settings.dask_address``, else an in-process thread pool."""
    if settings.dask_address:
        return DaskTaskRunner(address=settings.dask_address)
    return ThreadPoolTaskRunner(max_workers=settings.risk_shards_in_flight)


def prefect_shards(settings: Settings) -> ShardRunner:
    """A shard runner submitting :func:`risk_shard` tasks to :func:`task_runner`."""

    def run(shards: Iterable[PortfolioInputs], market: SessionMarket,
            dates: pd.DatetimeIndex) -> Results:
        with task_runner(settings) as runner:
            pending: deque[PrefectFuture[Tables]] = deque()
            for shard in shards:
                pending.append(runner.submit(
                    risk_shard, {"market": market, "shard": shard, "dates": dates}))
                if len(pending) >= settings.risk_shards_in_flight:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()

    return run
