"""The production entry point (``make serve``): migrate, seed the admin, serve with workers.

``python -m api.serve [--workers N] [--host H] [--port P]``:

1. applies the pending schema revisions (:mod:`ingest.warehouse.migrate`) — once, before
   any worker starts, so the workers' start-up check finds the head revision;
2. creates the admin of ``SIGMASIGHT_ADMIN_USERNAME`` / ``SIGMASIGHT_ADMIN_PASSWORD`` when
   missing (never the demo users); with ``SIGMASIGHT_ENVIRONMENT=production`` it refuses to
   start while a demo user (``demo_admin`` / ``admin123`` …) exists in the warehouse;
3. runs uvicorn with ``--workers`` processes (default ``SIGMASIGHT_API_WORKERS``, 4) on
   ``$PORT`` (default 8000) and ``0.0.0.0``; proxy headers (``X-Forwarded-For``/``-Proto``)
   are honoured only from ``SIGMASIGHT_FORWARDED_ALLOW_IPS`` (empty: trust none);
   ``PROMETHEUS_MULTIPROC_DIR`` (a fresh directory per start) lets ``/metrics`` add up
   every worker's samples.

SIGTERM or SIGINT: uvicorn's supervisor stops the workers (in-flight requests get
``GRACEFUL_SHUTDOWN_SECONDS``) and exits; no process is left behind.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
from pathlib import Path

from api.secret_guard import InsecureSecretError, check_signing_secret
from api.seed import DEMO_USERS, seed_admin
from api.server import uvicorn_options
from ingest.config import Settings, get_settings
from ingest.logs import logging_config
from ingest.warehouse import Warehouse, get_warehouse
from ingest.warehouse.migrate import upgrade

GRACEFUL_SHUTDOWN_SECONDS = 5
# A worker imports the app (pandas, dbt, Prefect) before it answers the supervisor's ping:
# uvicorn's 5 s default kills and restarts workers that start slowly on a busy machine.
WORKER_HEALTHCHECK_SECONDS = 60


class DemoUsersInProductionError(RuntimeError):
    """Demo users (with their published passwords) exist in a production warehouse."""


def prepare_warehouse(warehouse: Warehouse, settings: Settings) -> str:
    """Migrate, seed the configured admin, refuse demo users in production; a summary."""
    status = upgrade(warehouse)
    admin = settings.admin_username
    if admin and settings.admin_password:
        seed_admin(warehouse, admin, settings.admin_password.get_secret_value())
    if settings.environment == "production":
        names = [name for name, _, _ in DEMO_USERS]
        with warehouse.connect() as conn:
            found = [row["username"] for row in conn.fetch_dicts(
                "select username from app.users order by username")
                if row["username"] in names]
        if found:
            raise DemoUsersInProductionError(
                f"demo users {found} exist in a production warehouse (published passwords): "
                "delete them before serving")
    return f"schema {status.revision}, admin {admin or '(not configured)'}"


def metrics_directory() -> Path:
    """A fresh directory for the workers' Prometheus samples (emptied at each start)."""
    path = Path(os.environ.get("PROMETHEUS_MULTIPROC_DIR")
                or Path(tempfile.gettempdir()) / f"sigmasight-metrics-{os.getuid()}")
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


def main(argv: list[str] | None = None) -> None:
    settings = get_settings()
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workers", type=int, default=settings.api_workers)
    parser.add_argument("--host", default="0.0.0.0")  # noqa: S104 - a container's interface
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    args = parser.parse_args(argv)
    try:  # before anything is migrated or seeded: the public secret is for loopback only
        check_signing_secret(settings, args.host)
    except InsecureSecretError as error:
        raise SystemExit(str(error)) from error
    warehouse = get_warehouse(settings)
    print(f"SigmaSight API: {prepare_warehouse(warehouse, settings)}", flush=True)
    warehouse.close()  # the workers open their own connections
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(metrics_directory())
    import uvicorn

    uvicorn.run("api.main:app", host=args.host, port=args.port, workers=args.workers,
                timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
                timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS,
                log_config=logging_config(settings), access_log=False,
                log_level=settings.log_level.lower(), **uvicorn_options(settings))


if __name__ == "__main__":
    main()
