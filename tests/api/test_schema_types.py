"""Every timestamp the API sends is RFC 3339 with an offset; ids are bounded.

The rule lives in ``api.schemas.common`` (``UtcDateTime``); this test finds every
datetime field of every schema module and checks it goes through that rule, so a new
``dt.datetime`` field cannot slip past it.
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import pkgutil
import re
from typing import Annotated, Any, get_args, get_origin

import pytest
from pydantic import BaseModel, ValidationError

import api.schemas
from api.schemas.batch_runs import BatchRunPublic
from api.schemas.common import as_utc
from api.schemas.modeling import SessionCreate, SessionPublic
from api.schemas.tags import PositionTagsUpdate
from ingest.warehouse import ID_MAX

RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


def _schema_models() -> list[type[BaseModel]]:
    models = []
    for info in pkgutil.iter_modules(api.schemas.__path__):
        module = importlib.import_module(f"api.schemas.{info.name}")
        models += [obj for obj in vars(module).values() if isinstance(obj, type)
                   and issubclass(obj, BaseModel) and obj.__module__ == module.__name__]
    return models


def _is_utc_rule(metadata: Any) -> bool:
    return any(getattr(item, "func", None) is as_utc for item in metadata)


def _datetimes(annotation: Any, guarded: bool = False) -> tuple[int, int]:
    """(with the UTC rule, without it): the ``dt.datetime`` occurrences in ``annotation``."""
    if annotation is dt.datetime:
        return (1, 0) if guarded else (0, 1)
    if get_origin(annotation) is Annotated:
        base, *metadata = get_args(annotation)
        return _datetimes(base, guarded or _is_utc_rule(metadata))
    counts = [_datetimes(arg, guarded) for arg in get_args(annotation)]
    return sum(c[0] for c in counts), sum(c[1] for c in counts)


def test_every_datetime_field_is_utc_aware():
    guarded_total = 0
    for model in _schema_models():
        for name, field in model.model_fields.items():  # Annotated metadata: field.metadata
            guarded, bare = _datetimes(field.annotation, _is_utc_rule(field.metadata))
            assert bare == 0, f"{model.__name__}.{name}: {field.annotation}"
            guarded_total += guarded
    assert guarded_total >= 8  # batch runs (3), sessions (3), trades (2)


def test_naive_database_timestamps_are_sent_as_utc_with_an_offset():
    naive = dt.datetime(2026, 11, 30, 10, 43, 28, 610000)  # as the warehouse stores them
    session = SessionPublic(id="0" * 32, name="s", portfolio_id=1, as_of=dt.date(2026, 11, 20),
                            created_at=naive, last_used_at=naive,
                            expires_at=naive + dt.timedelta(hours=24), ttl_hours=24.0)
    body = json.loads(session.model_dump_json())
    assert body["created_at"] == "2026-11-30T10:43:28.610000Z"
    assert body["expires_at"] == "2026-12-01T10:43:28.610000Z"
    new_york = dt.timezone(dt.timedelta(hours=-5))
    run = BatchRunPublic.model_validate({
        "id": "r", "kind": "daily_update", "portfolio_id": None, "requested_by": None,
        "status": "completed", "progress": 1.0, "message": None, "error": None,
        "created_at": dt.datetime(2026, 11, 30, 5, 0, tzinfo=new_york),
        "started_at": naive, "finished_at": None})
    body = json.loads(run.model_dump_json())
    assert body["created_at"] == "2026-11-30T10:00:00Z"  # converted, not relabelled
    assert all(RFC3339.match(body[key]) for key in ("created_at", "started_at"))
    assert body["finished_at"] is None


@pytest.mark.parametrize("value", [0, -1, ID_MAX + 1, 2**127])
def test_body_ids_outside_the_bigint_range_are_refused(value):
    with pytest.raises(ValidationError):
        PositionTagsUpdate(tag_ids=[value])
    with pytest.raises(ValidationError):
        SessionCreate(portfolio_id=value)
    assert PositionTagsUpdate(tag_ids=[ID_MAX]).tag_ids == [ID_MAX]
