"""The scheduled deployments, declared once (``make flows`` serves them).

Cron strings are in America/New_York, weekdays only; a run on an XNYS holiday
is a no-op inside the flow (the calendar decides, not the cron string).
"""

from __future__ import annotations

from prefect.deployments.runner import RunnerDeployment
from prefect.schedules import Cron

from flows.prefect_flows import (
    daily_update,
    market_data_flow,
    portfolio_backfill,
    risk_metrics_flow,
    snapshots_flow,
)

TIMEZONE = "America/New_York"
SCHEDULES = {
    "market-data": "0 16 * * 1-5",
    "risk-metrics": "0 17 * * 1-5",
    "snapshots": "30 17 * * 1-5",
}
DAILY_UPDATE_DEPLOYMENT = "daily-update/daily-update"
BACKFILL_DEPLOYMENT = "portfolio-backfill/portfolio-backfill"


def deployments() -> list[RunnerDeployment]:
    """Three scheduled deployments, plus the on-demand daily update and backfill."""
    scheduled = [
        flow_.to_deployment(name=name, schedule=Cron(SCHEDULES[name], timezone=TIMEZONE),
                            tags=["sigmasight", "daily"])
        for name, flow_ in (("market-data", market_data_flow),
                            ("risk-metrics", risk_metrics_flow),
                            ("snapshots", snapshots_flow))
    ]
    on_demand = [
        daily_update.to_deployment(name="daily-update", tags=["sigmasight", "manual"]),
        portfolio_backfill.to_deployment(name="portfolio-backfill", tags=["sigmasight", "upload"]),
    ]
    return scheduled + on_demand
