"""The scheduled deployments, declared once (``make flows`` serves them).

Cron strings are in America/New_York, weekdays only; a run on an XNYS holiday
is a recorded no-op inside the flow (the calendar decides, not the cron string).
``cache-warming`` (06:00) refreshes reference data and verifies recent bars at the
lowest request priority.
"""

from __future__ import annotations

from typing import cast

from prefect.deployments.runner import RunnerDeployment
from prefect.schedules import Cron

from flows.dispatch import BACKFILL_DEPLOYMENT, DAILY_UPDATE_DEPLOYMENT
from flows.prefect_flows import (
    cache_warming_flow,
    daily_update,
    market_data_flow,
    portfolio_backfill,
    risk_metrics_flow,
    snapshots_flow,
)
from ingest.calendar import NEW_YORK

TIMEZONE = NEW_YORK.key
SCHEDULES = {
    "cache-warming": "0 6 * * 1-5",
    "market-data": "0 16 * * 1-5",
    "risk-metrics": "0 17 * * 1-5",
    "snapshots": "30 17 * * 1-5",
}


def deployments() -> list[RunnerDeployment]:
    """Four scheduled deployments (off-peak cache warming and the three daily flows),
    plus the on-demand daily update and backfill."""
    scheduled = [
        flow_.to_deployment(name=name, schedule=Cron(SCHEDULES[name], timezone=TIMEZONE),
                            tags=["sigmasight", "daily"])
        for name, flow_ in (("cache-warming", cache_warming_flow),
                            ("market-data", market_data_flow),
                            ("risk-metrics", risk_metrics_flow),
                            ("snapshots", snapshots_flow))
    ]
    on_demand = [
        daily_update.to_deployment(name=DAILY_UPDATE_DEPLOYMENT.split("/")[1],
                                   tags=["sigmasight", "manual"]),
        portfolio_backfill.to_deployment(name=BACKFILL_DEPLOYMENT.split("/")[1],
                                         tags=["sigmasight", "upload"]),
    ]
    # called outside an event loop, to_deployment returns the deployment, not a coroutine
    return cast(list[RunnerDeployment], scheduled + on_demand)
