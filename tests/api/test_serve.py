"""The production command (``python -m api.serve``): 4 workers on PostgreSQL, migrations
applied, the admin seeded from the environment, no demo users, an API smoke test,
/readyz following PostgreSQL's reachability, /metrics adding up the workers, and a clean
exit on SIGTERM."""

from __future__ import annotations

import signal
import socket
import sys
import time

import httpx
import pytest

from flows.pipeline import INTERRUPTED
from ingest.warehouse import Warehouse
from ingest.warehouse.migrate import head_revision, schema_status
from tests.conftest import (
    PG_ADMIN_DSN,
    create_postgres_database,
    drop_postgres_database,
    make_settings,
    require_postgres,
)
from tests.utils.metrics import sample
from tests.utils.processes import family, start, stop_within, wait_for
from tests.utils.tcp_proxy import TcpProxy

pytestmark = [pytest.mark.postgres, pytest.mark.slow]
BOOK = (b"ticker,quantity,entry_price,entry_date,tags\n"
        b"AAPL,100,180,2026-10-01,tech\nMSFT,-50,400,2026-10-02,\n")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_status(url: str, status: int, timeout: float = 30.0) -> httpx.Response:
    deadline = time.monotonic() + timeout
    while True:
        response = httpx.get(url, timeout=15)
        if response.status_code == status or time.monotonic() > deadline:
            return response
        time.sleep(0.5)


def _marts(warehouse: Warehouse) -> list[dict]:
    with warehouse.connect() as conn:
        return conn.fetch_dicts(
            "select snapshot_date, portfolio_id, market_value, gross_exposure, daily_pnl "
            "from marts.fct_portfolio_snapshots order by 1, 2")


def test_production_command_on_postgres_with_four_workers(tmp_path):
    require_postgres()
    database = create_postgres_database()
    pg_host, pg_port = PG_ADMIN_DSN.rsplit("@", 1)[1].split("/", 1)[0].split(":")
    proxy = TcpProxy((pg_host, int(pg_port))).start()
    url = database.replace(f"{pg_host}:{pg_port}", f"127.0.0.1:{proxy.port}")
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {"SIGMASIGHT_ENVIRONMENT": "production", "SIGMASIGHT_DATABASE_URL": url,
           "SIGMASIGHT_JWT_SECRET": "a-production-secret-of-enough-length-0123456789",
           "SIGMASIGHT_ADMIN_USERNAME": "ops", "SIGMASIGHT_ADMIN_PASSWORD": "s3cret-pass",
           "SIGMASIGHT_AS_OF_DATE": "2026-11-20", "SIGMASIGHT_DATA_DIR": str(tmp_path),
           "PREFECT_API_URL": "", "PORT": str(port)}
    log = tmp_path / "serve.log"
    server = start([sys.executable, "-m", "api.serve", "--workers", "4"], env, log)
    try:
        wait_for(f"{base}/healthz", server, log)
        workers = [p for p in family(server)[1:] if "spawn" in " ".join(p.cmdline())]
        assert len(workers) >= 4, [p.cmdline() for p in family(server)]

        ready = httpx.get(f"{base}/readyz").json()["data"]["checks"]
        assert ready["schema"] == {"ok": True, "revision": head_revision(),
                                   "head": head_revision()}
        settings = make_settings("duckdb", tmp_path).model_copy(update={"database_url": database})
        warehouse = Warehouse(settings)
        assert schema_status(warehouse).current
        with warehouse.connect() as conn:
            users = conn.fetch_dicts("select username, is_admin from app.users")
        assert users == [{"username": "ops", "is_admin": True}]  # no demo users

        with httpx.Client(base_url=base, timeout=60) as client:
            assert client.post("/api/v1/auth/login", json={
                "username": "demo_admin", "password": "admin123"}).status_code == 401
            token = client.post("/api/v1/auth/login", json={
                "username": "ops", "password": "s3cret-pass"}).json()["token"]
            headers = {"Authorization": f"Bearer {token}"}
            upload = client.post("/api/v1/portfolio/upload", headers=headers,
                                 files={"file": ("book.csv", BOOK, "text/csv")})
            assert upload.status_code == 202, upload.text
            run_id = upload.json()["data"]["batch_run_id"]
            deadline = time.monotonic() + 300
            while (run := client.get(f"/api/v1/batch-runs/{run_id}", headers=headers)
                   .json()["data"])["status"] not in {"completed", "failed"}:
                assert time.monotonic() < deadline, run
                time.sleep(1)
            assert run["status"] == "completed", run
            for _ in range(2):
                portfolio = client.get("/api/v1/portfolio", headers=headers)
                assert portfolio.status_code == 200, portfolio.text
            assert portfolio.json()["data"]["counts"]["position_count"] == 2  # the CSV's two

            proxy.stop()  # PostgreSQL is gone
            down = _wait_status(f"{base}/readyz", 503)
            assert down.status_code == 503, down.text
            assert down.json()["error"]["details"]["warehouse"]["ok"] is False
            proxy.start()  # and back, on the same port
            assert _wait_status(f"{base}/readyz", 200).status_code == 200

            metrics = client.get("/metrics").text
            assert sample(metrics, "sigmasight_http_request_duration_seconds_count",
                          route="/api/v1/auth/login", method="POST") == 2
            assert sample(metrics, "sigmasight_http_request_duration_seconds_count",
                          route="/api/v1/portfolio", status="200") == 2
            assert sample(metrics, "sigmasight_batch_duration_seconds_count",
                          outcome="completed") == 1

            marts_before = _marts(warehouse)
            daily = client.post("/api/v1/admin/daily-update", headers=headers)
            assert daily.status_code == 202, daily.text
            daily_id = daily.json()["data"]["batch_run_id"]
            deadline = time.monotonic() + 60
            while client.get(f"/api/v1/batch-runs/{daily_id}", headers=headers).json()[
                    "data"]["status"] != "running":
                assert time.monotonic() < deadline
                time.sleep(0.2)

        assert stop_within(server, signal.SIGTERM) < 10  # with a batch in flight
        with warehouse.connect() as conn:
            interrupted = conn.fetch_one("select status, error, message from app.batch_runs "
                                         "where id = :id", {"id": daily_id})
        assert (interrupted["status"], interrupted["error"]) == ("failed", INTERRUPTED)
        assert "show the previous run" in interrupted["message"]  # says what was published
        assert _marts(warehouse) == marts_before  # the previous marts stay served
        warehouse.close()
    finally:
        if server.poll() is None:
            server.kill()
        proxy.stop()
        drop_postgres_database(database)
