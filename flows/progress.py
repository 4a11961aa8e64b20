"""One reporter of a run's progress: its ``app.batch_runs`` row, plus optional sinks.

Every runner (the in-process worker of :mod:`flows.pipeline`, the Prefect flows) reports
through a :class:`BatchReporter`: ``running`` with a progress fraction and message per
step, then ``completed`` (the step report merged into ``details``), ``skipped`` or
``failed`` (the error). A run without a batch-run row (a scheduled Prefect run) reports to
its sinks only; a Prefect flow adds one that updates its progress artifact.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ingest.warehouse import Warehouse
from ingest.warehouse.batch_runs import (
    claim_batch_run,
    merge_batch_run_details,
    update_batch_run,
)

Sink = Callable[[float, str], None]  # (fraction done, message)


def held_out(report: dict[str, Any]) -> dict[str, str]:
    """``{portfolio_id: reason}`` of the portfolios a run held out (its pre-flight check,
    then the fallback of a failed stage 2)."""
    found: dict[str, str] = {}
    for step in ("dbt_stage1", "dbt_stage2"):  # pre-flight check, then mart-check fallback
        part = report.get(step)
        held = part.get("quarantined") if isinstance(part, dict) else None
        found.update({str(key): str(value) for key, value in (held or {}).items()})
    return found


def completed_message(report: dict[str, Any]) -> str:
    """"completed", naming the portfolios held out of the marts when there are any."""
    quarantined = held_out(report)
    if not quarantined:
        return "completed"
    return (f"completed; the marts were published for every portfolio except "
            f"{len(quarantined)} held out by the batch's checks: "
            f"{', '.join(sorted(quarantined, key=int))}")


class BatchReporter:
    """Progress of one run, written to its batch-run row (when ``batch_run_id``) and sinks."""

    def __init__(self, warehouse: Warehouse, batch_run_id: str | None,
                 sinks: Sequence[Sink] = ()):
        self.warehouse = warehouse
        self.batch_run_id = batch_run_id
        self.sinks = tuple(sinks)
        self.done: list[str] = []  # the plan steps finished, in order

    def step_done(self, name: str, fraction: float) -> None:
        """Step ``name`` of the plan finished; the run is ``fraction`` done."""
        self.done.append(name)
        self.progress(fraction, f"{name} done")

    def _row(self, **fields: Any) -> None:
        if self.batch_run_id:
            update_batch_run(self.warehouse, self.batch_run_id, **fields)

    def started(self, message: str) -> bool:
        """Mark the run running; False (and nothing reported) when its row already ended
        (a newer upload superseded it while it was queued): the caller must not run it."""
        if self.batch_run_id and not claim_batch_run(self.warehouse, self.batch_run_id):
            return False
        self._row(message=message)
        for sink in self.sinks:
            sink(0.0, message)
        return True

    def progress(self, fraction: float, message: str) -> None:
        self._row(progress=fraction, message=message)
        for sink in self.sinks:
            sink(fraction, message)

    def completed(self, report: dict[str, Any]) -> None:
        if self.batch_run_id:
            merge_batch_run_details(self.warehouse, self.batch_run_id, report,
                                    status="completed", progress=1.0,
                                    message=completed_message(report))

    def skipped(self, message: str) -> None:
        self._row(status="skipped", progress=1.0, message=message)

    def failed(self, error: BaseException | str) -> None:
        """Record the failure; the message says exactly what this run published."""
        from flows.plan import failure_message  # the plan imports this module

        text = error if isinstance(error, str) else f"{type(error).__name__}: {error}"
        self._row(status="failed", error=text, message=failure_message(self.done, error))
