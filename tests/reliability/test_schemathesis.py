"""Fuzz the API with schemathesis against its own OpenAPI document.

ASGI transport against the real app over the suite's built DuckDB warehouse,
authenticated as demo_user_1. Every operation is fuzzed with positive and negative
data except the two that start a batch (``POST /portfolio/upload``,
``POST /admin/daily-update``: the concurrency and bad-input tests exercise them).
Checks: no 5xx, every response's content type and body match the schema of its
status code. Examples per operation and mode are bounded (``MAX_EXAMPLES``).
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from api.main import create_app
from tests.conftest import WAREHOUSE_KINDS
from tests.reliability.conftest import count

MAX_EXAMPLES = 15
SKIPPED = {("POST", "/api/v1/portfolio/upload"), ("POST", "/api/v1/admin/daily-update")}
CHECKS = [schemathesis.checks.not_a_server_error, response_schema_conformance,
          content_type_conformance]


def _fuzzer(operation, mode, token: str, failures: list[str]):
    """A hypothesis test calling ``operation`` with cases of ``mode``."""
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
              phases=[Phase.explicit, Phase.generate],
              suppress_health_check=list(HealthCheck))
    def fuzz(case):
        headers = dict(case.headers or {})
        headers["Authorization"] = f"Bearer {token}"  # not a generated token
        count("requests fuzzed (schemathesis)")
        try:
            response = case.call_and_validate(headers=headers, checks=CHECKS)
        except Exception as error:  # noqa: BLE001 - collected, reported below
            failures.append(f"{operation.method.upper()} {operation.path} "
                            f"[{mode.value}]: {str(error)[:600]}")
            return
        count(f"fuzz responses {response.status_code // 100}xx")

    return fuzz


@pytest.mark.parametrize("kind", WAREHOUSE_KINDS)
def test_api_conforms_to_its_openapi(rel_builds, kind):
    env = rel_builds.get(kind)
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", create_app(env.settings))
    token = env.tokens["demo_user_1"]
    operations = [result.ok() for result in schema.get_all_operations()]
    fuzzed = [op for op in operations if (op.method.upper(), op.path) not in SKIPPED]
    assert len(fuzzed) >= 15, [f"{op.method} {op.path}" for op in operations]
    failures: list[str] = []
    for operation in fuzzed:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            fuzz = _fuzzer(operation, mode, token, failures)
            try:
                fuzz()
            except Unsatisfiable:  # no negative data exists (e.g. GET /health has no inputs)
                count("fuzz operation modes with no possible input")
            except Exception as error:  # noqa: BLE001 - e.g. an unsatisfiable strategy
                failures.append(f"{operation.method.upper()} {operation.path} [{mode.value}]: "
                                f"generation: {str(error)[:300]}")
    assert not failures, f"{len(failures)} failure(s):\n" + "\n".join(failures[:30])
