"""Tags: ``TagBase`` / ``TagCreate`` / ``TagUpdate`` / ``TagPublic``, and position tags.

Tag names follow the CSV rules (:mod:`ingest.csv_positions`): 1–50 letters, digits,
space, ``-``, ``_`` or ``.``, not starting with a spreadsheet formula character, and
stored lower-case (so ``Tech`` and a CSV's ``tech`` are the same tag). Names are unique
per user. Colours are ``#RRGGBB``.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ingest.csv_positions import MAX_TAG_LENGTH

TAG_NAME_RE = re.compile(r"[A-Za-z0-9 _.\-]+")
COLOR_PATTERN = r"^#[0-9A-Fa-f]{6}$"
DEFAULT_COLOR = "#6B7280"


def _clean_name(value: str) -> str:
    name = value.strip()
    if not name:
        raise ValueError("tag name must not be empty")
    if len(name) > MAX_TAG_LENGTH:
        raise ValueError(f"tag name is longer than {MAX_TAG_LENGTH} characters")
    if name[0] in "=+-@":
        raise ValueError("tag name must not start with = + - @")
    if not TAG_NAME_RE.fullmatch(name):
        raise ValueError("tag name may contain only letters, digits, space, '-', '_' and '.'")
    return name.lower()


class TagBase(BaseModel):
    name: str = Field(description="1–50 of A-Z a-z 0-9 space - _ . ; stored lower-case",
                      examples=["tech"])
    color: str = Field(DEFAULT_COLOR, pattern=COLOR_PATTERN, description="#RRGGBB",
                       examples=["#1F77B4"])

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        return _clean_name(value)

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
        return None if value is None else _clean_name(value)

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

    tag_ids: list[int] = Field(max_length=100)


class PositionTags(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"position_id": 42, "tags": [{"id": 7, "name": "tech", "color": "#1F77B4"}]}]})

    position_id: int
    tags: list[TagRef]
