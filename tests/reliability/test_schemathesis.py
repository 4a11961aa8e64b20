"""Fuzz the API with schemathesis against its own OpenAPI document.

ASGI transport against the real app over the suite's built DuckDB warehouse,
authenticated as demo_user_1. Every operation is fuzzed with positive and negative
data except the two that start a batch (``POST /portfolio/upload``,
``POST /admin/daily-update``: the concurrency and bad-input tests exercise them).
Checks: no 5xx, every status code is documented for its operation, every response's
content type and body match the schema of its status code. Examples per operation and
mode are bounded (``MAX_EXAMPLES``).

Beside the generated cases, a fixed corpus goes to every parameter of every fuzzed
operation (:data:`CORPUS`: Unicode digits, integers beyond the database's range,
thousands of digits; path parameters also empty or holding a slash), each query
parameter is also sent twice (valid then hostile, and the reverse: FastAPI reads the
last one), and every numeric top-level field of each JSON body example gets huge values
(:data:`HUGE_NUMBERS`). The same checks apply.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.main import create_app
from tests.conftest import WAREHOUSE_KINDS
from tests.reliability.conftest import count
from tests.utils.live_server import serve
from tests.utils.openapi import SAMPLE_PATH_VALUES, json_body_example

MAX_EXAMPLES = 15
CORPUS = ["²", "٣", "１２", "߂", "1²", str(2**63), str(2**127), "-" + str(2**127), "9" * 5000,
          "1e308", "0x10", " 1", "1_0"]
PATH_CORPUS = ["", "a/b", "%00"]  # an empty segment (the client may drop it), a slash
HUGE_NUMBERS = [2**63, 2**127, -(2**127), 10**400, 1e308, -1e308]
SKIPPED = {("POST", "/api/v1/portfolio/upload"), ("POST", "/api/v1/admin/daily-update")}
CHECKS = [schemathesis.checks.not_a_server_error, response_schema_conformance,
          content_type_conformance, status_code_conformance]


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
        except (Exception, BaseExceptionGroup) as error:  # noqa: BLE001 - reported below
            failures.append(f"{operation.method.upper()} {operation.path} "
                            f"[{mode.value}]: {str(error)[:600]}")
            return
        count(f"fuzz responses {response.status_code // 100}xx")

    return fuzz


def _valid_value(parameter: dict):
    """A valid value of a query or path parameter (its default, first enum value, ...)."""
    if parameter["in"] == "path":
        return SAMPLE_PATH_VALUES[parameter["name"]]
    schema = parameter["schema"]
    options = [schema, *schema.get("anyOf", [])]
    for option in options:
        if "default" in option and option["default"] is not None:
            return str(option["default"]).lower() if isinstance(option["default"], bool) \
                else str(option["default"])
        if option.get("enum"):
            return option["enum"][0]
    types = {option.get("type") for option in options}
    return "1" if types & {"integer", "number"} else "x"


def _numeric(schema: dict) -> bool:
    options = [schema, *schema.get("anyOf", [])]
    return any(o.get("type") in ("integer", "number")
               or o.get("items", {}).get("type") in ("integer", "number") for o in options)


def _corpus_cases(operation, definition: dict, spec: dict):
    """The fixed hostile cases of one operation (see the module docstring)."""
    parameters = [p for p in definition.get("parameters", []) if p["in"] in ("query", "path")]
    example = json_body_example(spec, definition)
    body = {} if example is None else {"body": example[0], "media_type": "application/json"}
    if definition.get("requestBody") and example is None:
        return
    valid = {p["name"]: _valid_value(p) for p in parameters}
    path = {p["name"]: valid[p["name"]] for p in parameters if p["in"] == "path"}
    for parameter in parameters:
        name, place = parameter["name"], parameter["in"]
        values: list = list(CORPUS)
        if place == "path":
            values += PATH_CORPUS
        else:
            values += [[valid[name], hostile] for hostile in ("²", str(2**127))]
            values += [[hostile, valid[name]] for hostile in ("²", str(2**127))]
        for value in values:
            if place == "path":
                yield operation.Case(path_parameters={**path, name: value}, **body)
            else:
                yield operation.Case(path_parameters=path, query={name: value}, **body)
    if example is not None and isinstance(example[0], dict):
        for name, prop in example[1].get("properties", {}).items():
            if not _numeric(prop):
                continue
            for number in HUGE_NUMBERS:
                value = [number] if prop.get("type") == "array" else number
                yield operation.Case(path_parameters=path, body={**example[0], name: value},
                                     media_type="application/json")


def _send_corpus(operations, spec: dict, token: str, failures: list[str]) -> None:
    for operation in operations:
        definition = spec["paths"][operation.path][operation.method.lower()]
        for case in _corpus_cases(operation, definition, spec):
            count("requests fuzzed (fixed corpus)")
            try:
                case.call_and_validate(headers={"Authorization": f"Bearer {token}"},
                                       checks=CHECKS)
            except (Exception, BaseExceptionGroup) as error:  # noqa: BLE001 - reported below
                failures.append(f"{operation.method.upper()} {operation.path} [corpus "
                                f"{case.path_parameters} {case.query} {str(case.body)[:80]}]: "
                                f"{str(error)[:400]}")


@pytest.mark.parametrize("kind", WAREHOUSE_KINDS)
def test_api_conforms_to_its_openapi(rel_builds, kind):
    env = rel_builds.get(kind)
    app = create_app(env.settings)
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    token = env.tokens["demo_user_1"]
    operations = [result.ok() for result in schema.get_all_operations()]
    fuzzed = [op for op in operations if (op.method.upper(), op.path) not in SKIPPED]
    assert len(fuzzed) >= 15, [f"{op.method} {op.path}" for op in operations]
    failures: list[str] = []
    spec = TestClient(app).get("/api/v1/openapi.json").json()
    _send_corpus(fuzzed, spec, token, failures)
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


@pytest.mark.parametrize("kind", WAREHOUSE_KINDS)
def test_api_conforms_in_every_phase_stateful_included(rel_builds, kind):
    """schemathesis's own runner, every phase (examples, coverage, fuzzing, and stateful:
    call sequences that follow the document's links, e.g. a created tag → update/delete
    it, a what-if session → its trades → resize/remove one), against a real server of
    the suite's build; the same checks and exclusions as above."""
    env = rel_builds.get(kind)
    with serve(create_app(env.settings)) as base:
        command = [str(Path(sys.executable).parent / "schemathesis"), "run",
                   f"{base}/api/v1/openapi.json", "--max-examples", "10", "--seed", "1",
                   "-H", f"Authorization: Bearer {env.tokens['demo_user_1']}",
                   "--checks", ",".join(check.__name__ for check in CHECKS)]
        for _, path in sorted(SKIPPED):
            command += ["--exclude-path", path]
        result = subprocess.run(command, capture_output=True, text=True, timeout=600)
    summary = result.stdout[result.stdout.find("SUMMARY"):]
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert "✅ Stateful" in summary, summary
    generated, passed = map(int, re.search(r"(\d+) generated, (\d+) passed", summary).groups())
    assert generated == passed > 500, summary
    count("requests fuzzed (schemathesis, every phase)", generated)

