"""``make flows`` for real: ``python -m flows.serve`` in a subprocess (its own Prefect
server, PREFECT_HOME in a temporary directory), the deployments in the Prefect UI as
headless Chromium renders them, and ``POST /admin/daily-update`` dispatched to the
daily-update deployment when the API has ``PREFECT_API_URL``.

The warehouse is a DuckDB file: the API (this process) writes the batch-run row and
releases the file when idle; the served flow run (a subprocess of the server's runner)
takes it, writes prices, analytics and marts, and marks the row itself.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from api.demo import load_demo_books
from api.main import create_app
from api.seed import seed_demo_users
from flows.deployments import SCHEDULES
from flows.plan import BATCH_PLAN
from ingest.config import REPO_ROOT, Settings
from ingest.warehouse import close_all_warehouses, get_warehouse
from ingest.warehouse.schema import ensure_schema
from tests.utils.browser import OUTPUT_DIR, chromium_path, render

AS_OF = dt.date(2026, 11, 20)  # a Friday session
ALL_DEPLOYMENTS = {*SCHEDULES, "daily-update", "portfolio-backfill"}
TERMINAL = {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}


@dataclass
class Served:
    url: str  # http://127.0.0.1:PORT
    process: subprocess.Popen
    directory: Path
    log: Path

    @property
    def api(self) -> str:
        return f"{self.url}/api"

    def post(self, path: str, body: dict | None = None) -> httpx.Response:
        response = httpx.post(f"{self.api}{path}", json=body or {}, timeout=10)
        response.raise_for_status()
        return response

    def get(self, path: str) -> httpx.Response:
        response = httpx.get(f"{self.api}{path}", timeout=10)
        response.raise_for_status()
        return response

    def deployments(self) -> dict[str, dict]:
        return {item["name"]: item for item in self.post("/deployments/filter").json()}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _children(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found |= {int(child) for child in (task / "children").read_text().split()}
        except OSError:
            pass
    for child in list(found):
        found |= _children(child)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _stop(served: Served) -> tuple[int | None, set[int]]:
    """SIGTERM ``make flows`` (as Ctrl-C / a service manager would); returns its exit
    code and the processes of its tree still alive afterwards."""
    tree = _children(served.process.pid)
    served.process.send_signal(signal.SIGTERM)
    try:
        code = served.process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        code = None
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(_alive(pid) for pid in tree):
        time.sleep(0.2)
    left = {pid for pid in tree if _alive(pid)}
    if code is None or left:  # clean up what we started, then let the test fail
        os.killpg(served.process.pid, signal.SIGKILL)
        served.process.wait()
    return code, left


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Iterator[Served]:
    """``python -m flows.serve --port <free>`` with a DuckDB warehouse in a temp dir."""
    directory = tmp_path_factory.mktemp("make-flows")
    port = _free_port()
    env = {
        **os.environ,
        "PREFECT_HOME": str(directory / "prefect-home"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "PREFECT_RUNNER_POLL_FREQUENCY": "1",  # pick up triggered runs within a second
        "SIGMASIGHT_ENVIRONMENT": "test",
        "SIGMASIGHT_DATA_DIR": str(directory),
        "SIGMASIGHT_DATABASE_URL": f"duckdb:///{directory / 'warehouse.duckdb'}",
        "SIGMASIGHT_AS_OF_DATE": AS_OF.isoformat(),
        "SIGMASIGHT_FLOW_RETRY_DELAY_SECONDS": "0",
        "SIGMASIGHT_DUCKDB_IDLE_RELEASE_SECONDS": "0.3",
    }
    env.pop("PREFECT_API_URL", None)
    log = directory / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "flows.serve", "--port", str(port)],
                                   cwd=REPO_ROOT, env=env, stdout=out,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    served = Served(f"http://127.0.0.1:{port}", process, directory, log)
    try:
        deadline = time.monotonic() + 300  # a cold Prefect server on a busy 2-core machine
        while time.monotonic() < deadline:
            assert process.poll() is None, log.read_text()[-3000:]
            try:
                if ALL_DEPLOYMENTS <= set(served.deployments()):
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        else:
            pytest.fail(f"deployments not registered in 300 s:\n{log.read_text()[-3000:]}")
        yield served
    finally:
        code, left = _stop(served)
    assert code == 0, f"make flows exited with {code}:\n{log.read_text()[-3000:]}"
    assert not left, f"processes left running after make flows stopped: {left}"
    with pytest.raises(httpx.HTTPError):
        httpx.get(f"{served.api}/health", timeout=2)


def test_make_flows_registers_the_scheduled_deployments(served):
    deployments = served.deployments()
    for name, cron in SCHEDULES.items():
        deployment = deployments[name]
        schedules = [item["schedule"] for item in deployment["schedules"] if item["active"]]
        assert schedules == [{"cron": cron, "timezone": "America/New_York",
                              "day_or": True}], deployment["schedules"]
        assert not deployment["paused"]
    assert deployments["daily-update"]["schedules"] == []  # on demand (API, UI)
    flows = {item["id"]: item["name"] for item in served.post("/flows/filter").json()}
    assert flows[deployments["daily-update"]["flow_id"]] == "daily-update"


def test_prefect_ui_lists_the_scheduled_deployments(served):
    chromium_path()
    screenshot = OUTPUT_DIR / "prefect_deployments.png"
    dom = render(f"{served.url}/deployments", screenshot=screenshot)
    assert "<title>Deployments" in dom
    assert "6 Deployments" in dom
    for name in SCHEDULES:  # each is a link to its deployment page
        deployment_id = served.deployments()[name]["id"]
        assert f'href="/deployments/deployment/{deployment_id}"' in dom, name
        assert f">{name}<" in dom, name
    assert "Create a deployment to get started" not in dom  # the empty-state page
    assert "Can't connect to Server API" not in dom
    assert screenshot.stat().st_size > 20_000


@pytest.fixture
def api(served, monkeypatch) -> TestClient:
    """The API on the served warehouse, with PREFECT_API_URL pointing at the server."""
    settings = Settings(environment="test", data_dir=served.directory,
                        database_url=f"duckdb:///{served.directory / 'warehouse.duckdb'}",
                        as_of_date=AS_OF, duckdb_idle_release_seconds=0.3)
    warehouse = get_warehouse(settings)
    ensure_schema(warehouse)
    seed_demo_users(warehouse, rounds=4)
    load_demo_books(warehouse, AS_OF)
    monkeypatch.setenv("PREFECT_API_URL", served.api)
    client = TestClient(create_app(settings))
    client.settings = settings
    yield client
    close_all_warehouses()


def _wait_for_flow_run(served: Served, flow_run_id: str, timeout: float) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = served.get(f"/flow_runs/{flow_run_id}").json()
        if run["state"]["type"] in TERMINAL:
            return run
        time.sleep(0.5)
    raise TimeoutError(f"flow run {flow_run_id} not finished in {timeout} s")


def test_admin_daily_update_runs_the_daily_update_deployment(served, api):
    submitted_at = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    token = api.post("/api/v1/auth/login", json={"username": "demo_admin",
                                                 "password": "admin123"}).json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    response = api.post("/api/v1/admin/daily-update", headers=headers)
    assert response.status_code == 202, response.text
    run_id = response.json()["data"]["batch_run_id"]

    queued = api.get(f"/api/v1/batch-runs/{run_id}", headers=headers).json()["data"]
    assert queued["status"] == "queued"  # not run in this process
    flow_run_id = queued["details"]["prefect_flow_run_id"]
    assert queued["details"]["prefect_deployment"] == "daily-update/daily-update"

    flow_run = _wait_for_flow_run(served, flow_run_id, timeout=300)
    assert flow_run["state"]["type"] == "COMPLETED", flow_run["state"]
    assert flow_run["deployment_id"] == served.deployments()["daily-update"]["id"]
    assert flow_run["parameters"] == {"as_of": AS_OF.isoformat(), "batch_run_id": run_id}
    subflows = served.post("/flow_runs/filter", {"flow_runs": {"parent_flow_run_id": {
        "any_": [flow_run_id]}}}).json()
    flow_names = {item["id"]: item["name"] for item in served.post("/flows/filter").json()}
    assert sorted((flow_names[item["flow_id"]], item["state"]["type"]) for item in subflows) == [
        ("market-data", "COMPLETED"), ("risk-metrics", "COMPLETED"), ("snapshots", "COMPLETED")]
    artifacts = served.post("/artifacts/filter", {"artifacts": {"flow_run_id": {
        "any_": [flow_run_id]}, "type": {"any_": ["progress"]}}}).json()
    assert [artifact["data"] for artifact in artifacts] == [100.0]

    # The flow marked the API's run itself, with the per-symbol progress of the load.
    run = api.get(f"/api/v1/batch-runs/{run_id}", headers=headers).json()["data"]
    assert run["status"] == "completed", run
    assert run["progress"] == 1.0
    assert run["details"]["prefect_flow_run_id"] == flow_run_id
    assert set(run["details"]["timings"]) == {step.name for step in BATCH_PLAN}
    assert run["backfill"]["status"] == "completed"
    assert run["backfill"]["processed_symbols"] == run["backfill"]["total_symbols"] > 50
    assert run["backfill"]["failed_symbols"] == 0

    # The marts were built by this run: today's snapshot for both books, fresh risk.
    with get_warehouse(api.settings).connect() as conn:
        snapshots = conn.fetch_dicts(
            "select portfolio_id, max(snapshot_date) as last, count(*) as days "
            "from marts.fct_portfolio_snapshots group by portfolio_id order by portfolio_id")
        history = conn.fetch_one("select count(*) as n from marts.fct_portfolio_snapshot_history")
        risk = conn.fetch_one("select min(computed_at) as computed_at, count(*) as n "
                              "from analytics.portfolio_risk_metrics")
        version = conn.fetch_one("select version from app.data_version where id = 0")
    assert [(row["last"], row["days"]) for row in snapshots] == [(AS_OF, 90), (AS_OF, 90)]
    assert history["n"] == 180
    # prices, marts, and dbt's on-run-end hook of stage 1 and stage 2: the API's cache
    # keys on it
    assert version["version"] == 4
    assert risk["n"] == 2
    assert risk["computed_at"] >= submitted_at

    # The flow run, as an operator finds it in the UI.
    chromium_path()
    dom = render(f"{served.url}/runs/flow-run/{flow_run_id}", budget_ms=8000,
                 screenshot=OUTPUT_DIR / "prefect_daily_update_run.png")
    assert f">{flow_run['name']}<" in dom
    assert ">Completed<" in dom
