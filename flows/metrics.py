"""Prometheus metrics of the batch: run duration and outcome, per-step duration.

``sigmasight_batch_duration_seconds{outcome}`` (histogram; ``outcome`` = ``completed`` |
``failed``) and ``sigmasight_batch_step_duration_seconds{step, outcome}`` are observed by
:func:`flows.plan.execute_plan`, so every runner (in-process, Prefect) reports them from
the process that runs the batch.
"""

from __future__ import annotations

from prometheus_client import Histogram

BATCH_BUCKETS = (1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600)

BATCH_SECONDS = Histogram(
    "sigmasight_batch_duration_seconds",
    "Wall time of a batch run (or of a scheduled slice of the plan), by outcome",
    ["outcome"], buckets=BATCH_BUCKETS,
)
STEP_SECONDS = Histogram(
    "sigmasight_batch_step_duration_seconds",
    "Wall time of one step of the batch plan, by step and outcome",
    ["step", "outcome"], buckets=BATCH_BUCKETS,
)
