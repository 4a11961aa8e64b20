"""A client generated from the served OpenAPI document drives the API end to end.

``openapi-python-client`` generates a package from ``/api/v1/openapi.json`` as served
over HTTP; on each warehouse the generated functions log in, upload a three-line CSV as
a file, poll the batch run to completion and read the Greeks, each answer parsed into
the generated models. The Greeks totals are checked by hand: a stock's delta is its
quantity, its dollar delta q·S with S the as-of close read through the generated
prices function.
"""

from __future__ import annotations

import importlib
import io
import json
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from api.main import create_app
from tests.api.conftest import PASSWORDS
from tests.conftest import make_settings
from tests.utils.live_server import serve

PACKAGE = "sigmasight_client"
BOOK = {"AAPL": 100.0, "MSFT": -40.0, "SPY": 25.0}
CSV = ("ticker,quantity,entry_price,entry_date,tags\n"
       + "".join(f"{s},{q:g},100,2026-06-01,\n" for s, q in BOOK.items())).encode()


@pytest.fixture(scope="module")
def client_package(tmp_path_factory):
    """The generated package, imported (generated once: the document is the same for
    both warehouses)."""
    directory = tmp_path_factory.mktemp("generated-client")
    settings = make_settings("duckdb", directory)
    with serve(create_app(settings)) as base_url:
        document = httpx.get(f"{base_url}/api/v1/openapi.json").json()
    (directory / "openapi.json").write_text(json.dumps(document))
    (directory / "config.yaml").write_text(f"package_name_override: {PACKAGE}\npost_hooks: []\n")
    generator = Path(sys.executable).parent / "openapi-python-client"
    result = subprocess.run(
        [str(generator), "generate", "--path", "openapi.json", "--meta", "none",
         "--output-path", PACKAGE, "--config", "config.yaml"],
        cwd=directory, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Warning" not in result.stdout + result.stderr, result.stdout + result.stderr
    sys.path.insert(0, str(directory))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(directory))
        for name in [n for n in sys.modules if n == PACKAGE or n.startswith(PACKAGE + ".")]:
            del sys.modules[name]


def _call(package, module: str, **kwargs):
    """``sync`` of the generated operation ``module`` (``api.<tag>.<operation id>``)."""
    return importlib.import_module(f"{PACKAGE}.api.{module}").sync(**kwargs)


def test_generated_client_logs_in_uploads_polls_and_reads_risk(client_package, fresh_env):
    models = importlib.import_module(f"{PACKAGE}.models")
    types = importlib.import_module(f"{PACKAGE}.types")
    client_module = importlib.import_module(f"{PACKAGE}.client")
    with serve(create_app(fresh_env.settings)) as base_url:
        anonymous = client_module.Client(base_url=base_url)
        login = _call(client_package, "auth.login_api_v1_auth_login_post", client=anonymous,
                      body=models.LoginRequest(username="demo_user_1",
                                               password=PASSWORDS["demo_user_1"]))
        assert isinstance(login, models.LoginResponse), login
        client = client_module.AuthenticatedClient(base_url=base_url, token=login.token,
                                                   timeout=httpx.Timeout(60))

        upload = _call(client_package, "portfolio.upload_portfolio_api_v1_portfolio_upload_post",
                       client=client, body=models.BodyUploadPortfolioApiV1PortfolioUploadPost(
                           file=types.File(payload=io.BytesIO(CSV), file_name="book.csv",
                                           mime_type="text/csv")))
        assert isinstance(upload, models.EnvelopeUploadAccepted), upload
        assert upload.data.positions == len(BOOK)

        deadline = time.monotonic() + 600
        while True:
            run = _call(client_package, "batch_runs.get_batch_run_api_v1_batch_runs_run_id_get",
                        client=client, run_id=upload.data.batch_run_id)
            assert isinstance(run, models.EnvelopeBatchRunPublic), run
            if run.data.status in ("completed", "failed", "skipped"):
                break
            assert time.monotonic() < deadline, "the backfill did not finish"
            time.sleep(0.5)
        assert run.data.status == "completed", run.data.error
        assert run.data.created_at.tzinfo is not None  # parsed as an aware datetime

        greeks = _call(client_package, "risk.get_greeks_api_v1_risk_greeks_get", client=client)
        assert isinstance(greeks, models.EnvelopeGreeksReport), greeks
        report = greeks.data
        assert {p.symbol: p.quantity for p in report.positions} == BOOK
        closes = {}
        for symbol in BOOK:
            prices = _call(client_package, "prices.get_prices_api_v1_prices_symbol_get",
                           client=client, symbol=symbol, start=report.as_of, end=report.as_of)
            assert isinstance(prices, models.EnvelopePriceHistory), prices
            closes[symbol] = prices.data.prices[-1].close
        assert report.totals.n_positions == len(BOOK)
        assert report.totals.delta == pytest.approx(sum(BOOK.values()), abs=1e-9)
        assert report.totals.dollar_delta == pytest.approx(
            sum(q * closes[s] for s, q in BOOK.items()), rel=1e-12)
