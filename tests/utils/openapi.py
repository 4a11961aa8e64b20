"""Walking the served OpenAPI document in tests: sample path values, body examples."""

from __future__ import annotations

import re
from typing import Any

SAMPLE_PATH_VALUES = {"position_id": "1", "tag_id": "1", "trade_id": "1", "run_id": "x",
                      "symbol": "AAPL", "session_id": "0" * 32}


def concrete(path: str) -> str:
    """``path`` with every ``{parameter}`` replaced by a valid sample value."""
    return re.sub(r"\{(\w+)\}", lambda m: SAMPLE_PATH_VALUES[m.group(1)], path)


def json_body_example(document: dict, operation: dict) -> tuple[Any, dict] | None:
    """(example, schema) of the JSON body of ``operation``, or None (no JSON body): the
    schema's first example, else one built from its properties' examples."""
    content = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if content is None:
        return None
    schema = content["schema"]
    ref = schema.get("$ref") or next((o["$ref"] for o in schema.get("anyOf", []) if "$ref" in o),
                                     None)
    target = document["components"]["schemas"][ref.rsplit("/", 1)[1]] if ref else schema
    if target.get("examples"):
        return target["examples"][0], target
    properties = target.get("properties", {})
    return {name: prop["examples"][0] for name, prop in properties.items()
            if prop.get("examples")}, target
