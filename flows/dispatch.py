"""Hand a batch run to a Prefect server's deployment instead of running it here.

With ``PREFECT_API_URL`` set (an operator runs ``make flows`` and points the API at that
server), :func:`dispatch` triggers the deployment with ``run_deployment(..., timeout=0)``,
passing the ``app.batch_runs`` id as the flow's ``batch_run_id`` parameter, and records
the Prefect flow-run id in the run's ``details`` (``prefect_flow_run_id``). The flow then
marks that row running / completed / failed itself. On DuckDB the ``make flows`` process
must be able to take the file: the API releases it when idle
(``SIGMASIGHT_DUCKDB_IDLE_RELEASE_SECONDS``); PostgreSQL has no such limit. If the Prefect
API cannot be reached the run is recorded as failed with the reason (never silently run
here).
"""

from __future__ import annotations

import logging
import os
from typing import Any, cast

from ingest.warehouse import Warehouse
from ingest.warehouse.batch_runs import merge_batch_run_details, update_batch_run

log = logging.getLogger(__name__)
DAILY_UPDATE_DEPLOYMENT = "daily-update/daily-update"  # flow name / deployment name
BACKFILL_DEPLOYMENT = "portfolio-backfill/portfolio-backfill"


def prefect_api_url() -> str | None:
    """The Prefect server the batch is dispatched to (``PREFECT_API_URL``), or None."""
    return os.environ.get("PREFECT_API_URL") or None


def dispatch(warehouse: Warehouse, run_id: str, deployment: str, api_url: str,
             parameters: dict[str, Any]) -> None:
    """Trigger ``deployment`` for the run; record the flow-run id, or the failure."""
    from prefect.client.schemas.objects import FlowRun  # imports Prefect: only here
    from prefect.deployments import run_deployment
    from prefect.settings import PREFECT_API_URL, temporary_settings

    try:
        # Prefect reads its settings when imported; the environment may have changed.
        with temporary_settings(updates={PREFECT_API_URL: api_url}):
            flow_run = cast(FlowRun, run_deployment(  # sync call: a FlowRun, not a coroutine
                deployment, parameters={**parameters, "batch_run_id": run_id}, timeout=0,
                as_subflow=False, tags=["sigmasight-api"]))
    except Exception as error:  # noqa: BLE001 - recorded on the run the caller polls
        log.exception("could not trigger %s for batch run %s", deployment, run_id)
        update_batch_run(warehouse, run_id, status="failed",
                         error=f"Prefect deployment {deployment} not triggered at {api_url}: "
                               f"{type(error).__name__}: {error}",
                         message="not started; the previous marts are unchanged",
                         details={"prefect_deployment": deployment,
                                  "prefect_api_url": api_url})
        return
    merge_batch_run_details(
        warehouse, run_id,
        {"prefect_flow_run_id": str(flow_run.id), "prefect_flow_run_name": flow_run.name,
         "prefect_deployment": deployment, "prefect_api_url": api_url})
