"""Tracks: weeks of items with stable ids, validated when loaded."""

from __future__ import annotations

import enum
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
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
MAX_TITLE_CHARS = 200
ShortText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_TITLE_CHARS)
]


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
    option: str = ""  # the id of the week's option this item belongs to; "" for every learner
    optional: bool = False  # extra to the week: a learner who fell behind may skip it


class Option(BaseModel):
    """One way through a "choose one" block: FastAPI or Django."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: ItemId
    label: ShortText


MAX_OPTIONS = 6


class Week(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: ItemId
    number: int = Field(ge=1)
    title: ShortText
    goal: str = ""
    items: tuple[Item, ...] = Field(min_length=1, max_length=40)
    resources: tuple[Resource, ...] = ()
    # A "choose one" block: the weeks it spans share one choice id and its options. `items`
    # holds the option followed (the first unless the learner picked another), so code
    # that knows nothing of choices reads a plain week; the other options' items wait in
    # `alternatives`.
    choice: Annotated[str, StringConstraints(pattern=r"^([a-z0-9][a-z0-9-]*)?$", max_length=24)] = (
        ""
    )
    options: tuple[Option, ...] = Field(default=(), max_length=MAX_OPTIONS)
    alternatives: tuple[Item, ...] = Field(default=(), max_length=40 * (MAX_OPTIONS - 1))

    @field_validator("items", "alternatives")
    @classmethod
    def _rhythm_order(cls, items: tuple[Item, ...]) -> tuple[Item, ...]:
        return _in_rhythm(items)

    @model_validator(mode="after")
    def _one_option_followed(self) -> Week:
        if not self.options:
            if self.choice or self.alternatives or any(i.option for i in self.items):
                raise ValueError(
                    "a week without options has no choice, option items or alternatives"
                )
            return self
        if len(self.options) < 2 or not self.choice:
            raise ValueError("a choice has an id and at least two options")
        ids = [o.id for o in self.options]
        if len(set(ids)) != len(ids):
            raise ValueError("option ids must be unique within a week")
        followed = {i.option for i in self.items if i.option}
        if len(followed) > 1 or not followed <= set(ids):
            raise ValueError("a week's items follow one of its own options")
        waiting = {i.option for i in self.alternatives}
        if not waiting <= set(ids) or waiting & followed:
            raise ValueError("alternatives belong to the week's other options")
        return self

    @property
    def followed_option(self) -> Option | None:
        """The option this week's items follow; None in a week without a choice."""
        if not self.options:
            return None
        followed = next((i.option for i in self.items if i.option), None)
        return next((o for o in self.options if o.id == followed), self.options[0])

    def following(self, option_id: str) -> Week:
        """The week with `option_id`'s items in place of the option followed now; itself if
        the week has no such option or follows it already."""
        current = self.followed_option
        if current is None or current.id == option_id:
            return self
        if option_id not in {o.id for o in self.options}:
            return self
        pool = self.items + self.alternatives
        items = _in_rhythm(tuple(i for i in pool if i.option in {"", option_id}))
        if not items:
            return self  # the option has no items this week: nothing to follow instead
        alternatives = _in_rhythm(tuple(i for i in pool if i.option not in {"", option_id}))
        # Both were validated as parts of this week: no need to validate them again.
        return self.model_copy(update={"items": items, "alternatives": alternatives})

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


def _in_rhythm(items: tuple[Item, ...]) -> tuple[Item, ...]:
    # learn -> practice -> build -> review; a stable sort keeps the author's order within a kind.
    return tuple(sorted(items, key=lambda item: item.kind.rank))


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
        ids = [w.id for w in self.weeks] + [
            i.id for w in self.weeks for i in (*w.items, *w.alternatives)
        ]
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

    def following(self, picks: Mapping[str, str]) -> Track:
        """The track as a learner who picked these options (option id by choice id) sees
        it; itself when they picked nothing that changes a week."""
        if not picks:
            return self
        weeks = tuple(w.following(picks[w.choice]) if w.choice in picks else w for w in self.weeks)
        if all(new is old for new, old in zip(weeks, self.weeks, strict=True)):
            return self
        return self.model_copy(update={"weeks": weeks})


def _repeated(ids: list[str]) -> list[str]:
    """The ids that occur more than once, sorted: one pass, however long the track."""
    seen: set[str] = set()
    repeated: set[str] = set()
    for item_id in ids:
        if item_id in seen:
            repeated.add(item_id)
        seen.add(item_id)
    return sorted(repeated)


@dataclass(frozen=True)
class ChoiceBlock:
    """One "choose one" block of a track, as the learner follows it."""

    id: str
    first_week: int
    last_week: int
    options: tuple[Option, ...]
    followed: Option


def choice_blocks(track: Track) -> list[ChoiceBlock]:
    """The track's choices in week order; `track` already follows the learner's picks."""
    blocks: dict[str, ChoiceBlock] = {}
    for week in track.weeks:
        followed = week.followed_option
        if followed is None:
            continue
        known = blocks.get(week.choice)
        first = known.first_week if known else week.number
        blocks[week.choice] = ChoiceBlock(week.choice, first, week.number, week.options, followed)
    return list(blocks.values())


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
