"""GET /positions (filters, groups, pages) and GET/PUT /positions/{id}/tags."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query

from api.deps import CurrentUser, PortfolioId, WarehouseDep
from api.errors import ApiError, not_found
from api.queries import positions as queries
from api.queries import tags as tag_queries
from api.schemas.common import Envelope, example_of, ok, responses
from api.schemas.positions import POSITION_TYPES, PositionsPage
from api.schemas.tags import PositionTags, PositionTagsUpdate
from ingest.warehouse import ID_MAX

router = APIRouter(prefix="/positions", tags=["positions"])

MAX_LIMIT = 500


def _csv_values(text: str | None) -> list[str]:
    return [part.strip() for part in (text or "").split(",") if part.strip()]


def parse_types(text: str | None) -> tuple[str, ...]:
    values = [value.upper() for value in _csv_values(text)]
    bad = [value for value in values if value not in POSITION_TYPES]
    if bad:
        raise ApiError(422, f"unknown position type(s) {', '.join(bad)}; use "
                            f"{', '.join(POSITION_TYPES)}", code="validation_error",
                       details=[{"loc": ["query", "type"], "msg": f"unknown type {value!r}",
                                 "type": "enum"} for value in bad])
    return tuple(dict.fromkeys(values))


_PAGE_EXAMPLE = example_of(PositionsPage)
_TAGS_EXAMPLE = example_of(PositionTags)


@router.get("", response_model=Envelope[PositionsPage],
            summary="Positions with their latest values; filter, group, page",
            responses=responses(_PAGE_EXAMPLE, 404))
def list_positions(
    user: CurrentUser, portfolio_id: PortfolioId, warehouse: WarehouseDep,
    type: Annotated[str | None, Query(  # noqa: A002 - the API's parameter name
        description="comma list of LONG, SHORT, LC, LP, SC, SP", examples=["LONG,LC"])] = None,
    tags: Annotated[str | None, Query(
        description="comma list of tag names (case-insensitive)", examples=["tech,core"])] = None,
    tag_mode: Annotated[Literal["any", "all"], Query(
        alias="tagMode", description="`any`: at least one of the tags; `all`: every one")
    ] = "any",
    group_by: Annotated[queries.GroupBy | None, Query(
        alias="groupBy", description="subtotals per position type, tag, sector or industry "
                                     "(no sector / industry: the group 'Unknown')")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 100,
    offset: Annotated[int, Query(ge=0, le=2_147_483_647)] = 0,  # SQL OFFSET is a bigint
) -> dict:
    """Positions of your portfolio valued on its as-of date, ordered by symbol.

    `total`, `totals` and `groups` cover every position matching the filters; `items`
    is the page `offset`..`offset + limit`. Tags are read live: a tag change shows at
    once.
    """
    criteria = queries.PositionFilter(
        types=parse_types(type),
        tags=tuple(dict.fromkeys(value.lower() for value in _csv_values(tags))),
        tag_mode=tag_mode)
    page = queries.list_positions(warehouse, user_id=user.id, portfolio_id=portfolio_id,
                                  criteria=criteria, group_by=group_by, limit=limit,
                                  offset=offset)
    return ok(page)


PositionIdPath = Annotated[int, Path(ge=1, le=ID_MAX, description="a position of your portfolio")]


@router.get("/{position_id}/tags", response_model=Envelope[PositionTags],
            summary="Tags of one of your positions",
            responses=responses(_TAGS_EXAMPLE, 404))
def get_position_tags(position_id: PositionIdPath, user: CurrentUser,
                      warehouse: WarehouseDep) -> dict:
    tags = tag_queries.get_position_tags(warehouse, user.id, position_id)
    if tags is None:
        raise not_found(f"position {position_id} not found")
    return ok({"position_id": position_id, "tags": tags})


@router.put("/{position_id}/tags", response_model=Envelope[PositionTags],
            summary="Replace the tags of one of your positions",
            responses=responses(_TAGS_EXAMPLE, 404))
def put_position_tags(position_id: PositionIdPath, body: PositionTagsUpdate,
                      user: CurrentUser, warehouse: WarehouseDep) -> dict:
    """Set the position's tags to exactly `tag_ids` (`[]` removes all). Every id must be
    one of your tags (422 otherwise, listing the unknown ids)."""
    try:
        tags = tag_queries.set_position_tags(warehouse, user.id, position_id, body.tag_ids)
    except tag_queries.UnknownTags as error:
        raise ApiError(422, f"unknown tag id(s): {error.tag_ids}", code="unknown_tags",
                       details={"tag_ids": error.tag_ids}) from error
    if tags is None:
        raise not_found(f"position {position_id} not found")
    return ok({"position_id": position_id, "tags": tags})
