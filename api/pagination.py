"""Paging of the list endpoints: ``limit`` (at most :data:`MAX_PAGE_SIZE`) and ``offset``.

A list endpoint answers the page ``offset .. offset + limit`` of its rows (in the
endpoint's order) and the number of rows in all in the ``X-Total-Count`` header, so the
answer's size is bounded whatever a user has stored. ``GET /positions`` pages the same
way with the total in its body (its `PositionsPage`).
"""

from __future__ import annotations

from typing import Annotated, TypeVar

from fastapi import Query, Response

MAX_PAGE_SIZE = 500
TOTAL_HEADER = "X-Total-Count"

Limit = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="page size")]
Offset = Annotated[int, Query(ge=0, le=2_147_483_647, description="rows to skip")]
T = TypeVar("T")


def page(rows: list[T], limit: int, offset: int, response: Response) -> list[T]:
    """Rows ``offset .. offset + limit``; sets ``X-Total-Count`` to ``len(rows)``."""
    response.headers[TOTAL_HEADER] = str(len(rows))
    return rows[offset:offset + limit]

