"""Tracks: weeks of items with stable ids, validated when loaded."""

from __future__ import annotations

import enum
import tomllib
from functools import cache
from importlib import resources
from typing import Annotated, Protocol

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)

from core.kernel.errors import TrackError

BUILTIN_TRACK_ID = "python-backend"

# Ids travel inside button payloads (Telegram allows 64 bytes of callback data).
ItemId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=24)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class ItemKind(enum.StrEnum):
    """The weekly rhythm, in the order a week is worked through."""

    LEARN = "learn"
    PRACTICE = "practice"
    BUILD = "build"
    REVIEW = "review"

    @property
    def rank(self) -> int:
        return _KIND_RANK[self]


_KIND_RANK = {kind: rank for rank, kind in enumerate(ItemKind)}


class Resource(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    title: ShortText
    url: Annotated[str, StringConstraints(pattern=r"^https?://\S+$", max_length=500)]


class Item(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: ItemId
    kind: ItemKind
    title: ShortText
    hours: float = Field(default=1.0, ge=0.25, le=8)
    resources: tuple[Resource, ...] = ()


class Week(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: ItemId
    number: int = Field(ge=1)
    title: ShortText
    goal: str = ""
    items: tuple[Item, ...] = Field(min_length=1, max_length=40)
    resources: tuple[Resource, ...] = ()

    @field_validator("items")
    @classmethod
    def _rhythm_order(cls, items: tuple[Item, ...]) -> tuple[Item, ...]:
        # learn -> practice -> build -> review; a stable sort keeps the author's order within a kind.
        return tuple(sorted(items, key=lambda item: item.kind.rank))

    @property
    def topics(self) -> tuple[str, ...]:
        return tuple(i.title for i in self.items if i.kind is ItemKind.LEARN)

    @property
    def projects(self) -> tuple[str, ...]:
        return tuple(i.title for i in self.items if i.kind is ItemKind.BUILD)

    @property
    def planned_hours(self) -> float:
        return sum(i.hours for i in self.items)

    def item(self, item_id: str) -> Item | None:
        return next((i for i in self.items if i.id == item_id), None)


class Track(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: ItemId
    title: ShortText
    version: int = Field(default=1, ge=1)
    summary: str = ""
    weeks: tuple[Week, ...] = Field(min_length=1, max_length=520)

    @model_validator(mode="after")
    def _consistent(self) -> Track:
        numbers = [w.number for w in self.weeks]
        if numbers != list(range(1, len(self.weeks) + 1)):
            raise ValueError("weeks must be numbered 1, 2, 3, … in order")
        ids = [w.id for w in self.weeks] + [i.id for w in self.weeks for i in w.items]
        duplicates = _repeated(ids)
        if duplicates:
            raise ValueError(f"ids must be unique, repeated: {', '.join(duplicates)}")
        return self

    def week(self, week_id: str) -> Week | None:
        return next((w for w in self.weeks if w.id == week_id), None)

    def week_after(self, week_id: str) -> Week | None:
        for index, week in enumerate(self.weeks[:-1]):
            if week.id == week_id:
                return self.weeks[index + 1]
        return None

    def week_before(self, week_id: str) -> Week | None:
        for index, week in enumerate(self.weeks[1:], start=1):
            if week.id == week_id:
                return self.weeks[index - 1]
        return None

    @property
    def first_week(self) -> Week:
        return self.weeks[0]


def _repeated(ids: list[str]) -> list[str]:
    """The ids that occur more than once, sorted: one pass, however long the track."""
    seen: set[str] = set()
    repeated: set[str] = set()
    for item_id in ids:
        if item_id in seen:
            repeated.add(item_id)
        seen.add(item_id)
    return sorted(repeated)


def parse_track(data: object) -> Track:
    try:
        return Track.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise TrackError(
            f"invalid track ({exc.error_count()} problems), first at {where}: {first['msg']}"
        ) from exc


@cache
def builtin_track() -> Track:
    text = resources.files("core.data").joinpath("python_backend.toml").read_text("utf-8")
    return parse_track(tomllib.loads(text))


class TrackCatalog(Protocol):
    def get(self, track_id: str) -> Track | None: ...

    def all(self) -> tuple[Track, ...]: ...


class BuiltinCatalog:
    """The tracks shipped with the coach; imported roadmaps join them through another catalog."""

    def get(self, track_id: str) -> Track | None:
        track = builtin_track()
        return track if track.id == track_id else None

    def all(self) -> tuple[Track, ...]:
        return (builtin_track(),)
