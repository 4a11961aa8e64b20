"""Tags: ``TagBase`` / ``TagCreate`` / ``TagUpdate`` / ``TagPublic``, and position tags.

Tag names follow the one tag rule of :mod:`ingest.tags` (1–50 letters, digits, space,
``-``, ``_`` or ``.``, not starting with a spreadsheet formula character, stored
lower-case, unique per user). Colours are ``#RRGGBB``.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from api.schemas.common import DbId
from ingest.tags import DEFAULT_TAG_COLOR, MAX_TAG_LENGTH, clean_tag_name

COLOR_PATTERN = r"^#[0-9A-Fa-f]{6}$"


class TagBase(BaseModel):
    name: str = Field(description=f"1–{MAX_TAG_LENGTH} of A-Z a-z 0-9 space - _ . ; "
                                  "stored lower-case", examples=["tech"])
    color: str = Field(DEFAULT_TAG_COLOR, pattern=COLOR_PATTERN, description="#RRGGBB",
                       examples=["#1F77B4"])

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        return clean_tag_name(value)

    @field_validator("color")
    @classmethod
    def _color(cls, value: str) -> str:
        return value.upper()


class TagCreate(TagBase):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"name": "tech", "color": "#1F77B4"}]})


class TagUpdate(BaseModel):
    """Either field or both; the other keeps its value."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"color": "#FF7F0E"}]})

    name: str | None = None
    color: str | None = Field(None, pattern=COLOR_PATTERN)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str | None) -> str | None:
        return None if value is None else clean_tag_name(value)

    @field_validator("color")
    @classmethod
    def _color(cls, value: str | None) -> str | None:
        return None if value is None else value.upper()

    @model_validator(mode="after")
    def _something(self) -> TagUpdate:
        if self.name is None and self.color is None:
            raise ValueError("give a new name, a new color, or both")
        return self


class TagPublic(TagBase):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"id": 7, "name": "tech", "color": "#1F77B4", "position_count": 12}]})

    id: int
    position_count: int = Field(0, description="positions carrying this tag")

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:  # stored names are returned as they are
        return value


class TagRef(BaseModel):
    id: int
    name: str
    color: str


class TagDeleted(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"id": 7, "deleted": True}]})

    id: int
    deleted: bool = True


class PositionTagsUpdate(BaseModel):
    """The full set of tags of the position (replaces the current set; [] clears it)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"tag_ids": [7, 9]}]})

    tag_ids: list[DbId] = Field(max_length=100)


class PositionTags(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"position_id": 42, "tags": [{"id": 7, "name": "tech", "color": "#1F77B4"}]}]})

    position_id: int
    tags: list[TagRef]
