"""Tag CRUD: GET/POST /tags, PUT/DELETE /tags/{id}."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from api.deps import CurrentUser, WarehouseDep
from api.errors import ApiError, not_found
from api.pagination import Limit, Offset, page
from api.queries import tags as queries
from api.schemas.common import Envelope, example_of, ok, responses
from api.schemas.tags import TagCreate, TagDeleted, TagPublic, TagUpdate

router = APIRouter(prefix="/tags", tags=["tags"])

_TAG_EXAMPLE = example_of(TagPublic)
TagIdPath = Annotated[int, Path(ge=1, description="one of your tags")]


def _conflict(name: str) -> ApiError:
    return ApiError(409, f"a tag named {name!r} already exists", details={"name": name})


@router.get("", response_model=Envelope[list[TagPublic]], summary="Your tags",
            responses=responses([_TAG_EXAMPLE]))
def list_tags(user: CurrentUser, warehouse: WarehouseDep, response: Response,
              limit: Limit = 500, offset: Offset = 0) -> dict:
    """Your tags by name, one page (`X-Total-Count`: how many there are)."""
    return ok(page(queries.list_tags(warehouse, user.id), limit, offset, response))


@router.post("", status_code=201, response_model=Envelope[TagPublic], summary="Create a tag",
             responses=responses(_TAG_EXAMPLE, 409, status=201, description="Created"))
def create_tag(body: TagCreate, user: CurrentUser, warehouse: WarehouseDep) -> dict:
    """Names are unique per user (case-insensitive; stored lower-case): 409 otherwise."""
    try:
        return ok(queries.create_tag(warehouse, user.id, body.name, body.color))
    except queries.TagNameTaken as error:
        raise _conflict(body.name) from error


@router.put("/{tag_id}", response_model=Envelope[TagPublic], summary="Rename or recolour",
            responses=responses(_TAG_EXAMPLE, 404, 409))
def update_tag(tag_id: TagIdPath, body: TagUpdate, user: CurrentUser,
               warehouse: WarehouseDep) -> dict:
    try:
        tag = queries.update_tag(warehouse, user.id, tag_id, body.name, body.color)
    except queries.TagNameTaken as error:
        raise _conflict(body.name or "") from error
    if tag is None:
        raise not_found(f"tag {tag_id} not found")
    return ok(tag)


@router.delete("/{tag_id}", response_model=Envelope[TagDeleted],
               summary="Delete a tag (and remove it from its positions)",
               responses=responses({"id": 7, "deleted": True}, 404))
def delete_tag(tag_id: TagIdPath, user: CurrentUser, warehouse: WarehouseDep) -> dict:
    if not queries.delete_tag(warehouse, user.id, tag_id):
        raise not_found(f"tag {tag_id} not found")
    return ok({"id": tag_id, "deleted": True})
