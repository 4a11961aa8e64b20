"""The batch plan: the one ordered list of steps every runner executes.

``load market data → dbt stage 1 → risk step → dbt stage 2``. Each :class:`Step` has a
name, its share of the run's progress, the callable that does the work (a function of
:mod:`flows.steps`, looked up when the step runs), whether it changes what the API serves
(then the warehouse data version is bumped right after it), and the retry and timeout
policy a Prefect task of it gets. A plan with the market-data step first makes the
request plan of the load (:mod:`ingest.request_plan`), records it on the batch run and
derives that step's timeout from it: never a constant the provider's rate cannot meet.
:func:`execute_plan` runs a plan (or a slice of it, for
the separately scheduled flows) with a pluggable ``call``: the in-process runner
(:mod:`flows.pipeline`) calls each step directly, the Prefect flows
(:mod:`flows.prefect_flows`) as a task. A step raises on failure, which stops the run;
:func:`failure_message` then says exactly what the run published before it stopped (the
prices of ``market_data``; the marts dbt rebuilt before a stage-2 failure).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from flows import steps
from flows.isolation import stage2_with_fallback
from flows.metrics import BATCH_SECONDS, STEP_SECONDS
from flows.progress import BatchReporter
from flows.risk_fanout import ShardRunner
from ingest.config import Settings
from ingest.rate_limit import Priority
from ingest.request_plan import RequestPlan, step_timeout
from ingest.warehouse import Warehouse
from ingest.warehouse.batch_runs import merge_batch_run_details
from ingest.warehouse.data_version import bump_warehouse


@dataclass(frozen=True)
class BatchContext:
    """What every step of one run needs.

    ``priority`` of the provider requests: ``realtime`` for a run a user's upload
    started, ``batch`` for the scheduled one, ``backfill`` for background warming.
    ``request_plan`` is set by :func:`execute_plan` before a market-data step runs;
    ``shard_runner`` runs the risk step's shards (:mod:`flows.risk_fanout`; the Prefect
    flows set Prefect tasks, the in-process runner leaves it None: one after the other).
    """

    settings: Settings
    warehouse: Warehouse
    as_of: dt.date | None = None
    batch_run_id: str | None = None
    priority: Priority = "batch"
    request_plan: RequestPlan | None = None
    shard_runner: ShardRunner | None = None  # the risk step's shards (None: in process)


@dataclass(frozen=True)
class Step:
    """One step of the plan; ``share`` is its fraction of the run's progress."""

    name: str
    share: float
    run: Callable[[BatchContext], Any]
    publishes: bool = False  # changes what the API serves: bump the data version after it
    retry_delays: tuple[float, ...] = ()  # Prefect task retries (I/O steps only)
    timeout_seconds: float | None = None  # Prefect task timeout (a floor when planned)
    planned: bool = False  # makes provider requests: its timeout comes from the plan

    def timeout(self, ctx: BatchContext) -> float | None:
        """The task timeout: from the run's request plan for a planned step
        (:func:`ingest.request_plan.step_timeout`), else the constant."""
        if self.planned:
            return step_timeout(ctx.request_plan, floor=self.timeout_seconds or 300.0)
        return self.timeout_seconds


def _load_prices(ctx: BatchContext) -> dict[str, Any]:
    return steps.load_prices_step(ctx.warehouse, ctx.settings, ctx.as_of,
                                  batch_run_id=ctx.batch_run_id, priority=ctx.priority)


def _dbt_stage1(ctx: BatchContext) -> dict[str, Any]:
    return steps.dbt_stage1_step(ctx.settings, ctx.warehouse, ctx.batch_run_id)


def _risk(ctx: BatchContext) -> dict[str, Any]:
    return steps.risk_step(ctx.warehouse, ctx.settings, ctx.as_of,
                           shard_runner=ctx.shard_runner)


def _dbt_stage2(ctx: BatchContext) -> dict[str, Any] | None:
    return stage2_with_fallback(ctx.settings, ctx.warehouse, ctx.as_of, ctx.batch_run_id)


BATCH_PLAN: tuple[Step, ...] = (
    Step("market_data", 0.35, _load_prices, publishes=True, retry_delays=(10, 30, 90),
         timeout_seconds=300, planned=True),
    Step("dbt_stage1", 0.25, _dbt_stage1, timeout_seconds=600),
    Step("risk", 0.20, _risk, timeout_seconds=600),
    Step("dbt_stage2", 0.20, _dbt_stage2, publishes=True, timeout_seconds=300),
)
STEPS = {step.name: step for step in BATCH_PLAN}


def progress_after(name: str, plan: Sequence[Step] = BATCH_PLAN) -> float:
    """The run's progress fraction once step ``name`` is done (cumulative shares)."""
    names = [step.name for step in plan]
    return round(sum(step.share for step in plan[:names.index(name) + 1]), 6)


def with_request_plan(ctx: BatchContext) -> BatchContext:
    """``ctx`` with the request plan of its market-data load, recorded on its batch run
    (``details.request_plan``: requests, expected seconds at the rate) before it starts."""
    request_plan = steps.plan_step(ctx.warehouse, ctx.settings, ctx.as_of)
    if request_plan is not None and ctx.batch_run_id:
        merge_batch_run_details(ctx.warehouse, ctx.batch_run_id,
                                {"request_plan": request_plan.summary()})
    return replace(ctx, request_plan=request_plan)


def call_directly(step: Step, ctx: BatchContext) -> Any:
    return step.run(ctx)


def execute_plan(ctx: BatchContext, plan: Sequence[Step] = BATCH_PLAN, *,
                 call: Callable[[Step, BatchContext], Any] = call_directly,
                 reporter: BatchReporter | None = None) -> dict[str, Any]:
    """Run ``plan`` in order; returns ``{"timings": {step: s}, step: result, ...}``.

    After each step its result (when not None) goes into the report, the data version is
    bumped when the step ``publishes``, and ``reporter`` hears the run's progress. The
    run's and each step's wall time go to the batch metrics (:mod:`flows.metrics`).
    """
    report: dict[str, Any] = {"timings": {}}
    run_started = time.perf_counter()
    if any(step.planned for step in plan) and ctx.request_plan is None:
        ctx = with_request_plan(ctx)
        if ctx.request_plan is not None:
            report["request_plan"] = ctx.request_plan.summary()
    for step in plan:
        started = time.perf_counter()
        try:
            result = call(step, ctx)
        except BaseException:
            STEP_SECONDS.labels(step.name, "failed").observe(time.perf_counter() - started)
            BATCH_SECONDS.labels("failed").observe(time.perf_counter() - run_started)
            raise
        report["timings"][step.name] = round(time.perf_counter() - started, 3)
        STEP_SECONDS.labels(step.name, "completed").observe(report["timings"][step.name])
        if result is not None:
            report[step.name] = result
        if step.publishes:  # the API's cached reads of the old data are now stale
            bump_warehouse(ctx.warehouse)
        if reporter is not None:
            reporter.step_done(step.name, progress_after(step.name))
    BATCH_SECONDS.labels("completed").observe(time.perf_counter() - run_started)
    return report


def failure_message(done: Sequence[str], error: BaseException | str) -> str:
    """What a run that finished the steps ``done`` and then raised ``error`` published.

    Only the publishing steps change what the API serves: ``market_data`` (prices) and
    ``dbt_stage2`` (the marts; a failed stage 2 may have rebuilt some marts before it
    stopped: :attr:`flows.dbt_runner.DbtError.built`).
    """
    failed_at = next((step.name for step in BATCH_PLAN if step.name not in done), "the end")
    prices = ("this run's prices were published" if "market_data" in done
              else "no prices were published")
    if failed_at != "dbt_stage2":
        return (f"failed at {failed_at}: {prices}; no mart was rebuilt (the marts show the "
                "previous run)")
    built = [name for name in getattr(error, "built", []) if name.startswith(("fct_", "dim_"))]
    marts = (f"these marts were rebuilt before the failure and show this run: "
             f"{', '.join(built)}; the others show the previous run" if built
             else "no mart was rebuilt (the marts show the previous run)")
    return f"failed at {failed_at}: {prices}; {marts}"
