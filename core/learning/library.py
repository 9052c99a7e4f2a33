"""Which tracks a learner may follow, and loading them: the built-in catalogue first, then
imported roadmaps, kept in a bounded cache because an imported track never changes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from typing import NamedTuple, TypeVar, get_args

from pydantic import BaseModel

from core.learning.model import TrackRef
from core.learning.pace import Pace
from core.learning.ports import Tracks
from core.learning.tracks import BUILTIN_TRACK_ID, Track, TrackCatalog

# The cache keeps at most this many imported tracks, and at most this many of their parts
# (the track, its weeks, items, resources...): by count alone, 256 of the largest roadmaps
# would hold 6 GB. A part loaded with `share_equal_parts` holds about 400 bytes
# (bench/imports.py), so the cache stays near 100 MB at worst. The largest roadmap the
# importer accepts has 21,000 parts or more, an everyday one 75-160: 256 of those fit.
IMPORTED_TRACKS_CACHED = 256
IMPORTED_PARTS_CACHED = 250_000
DEFAULT_STUDY_DAYS = frozenset(range(6))  # Mon-Sat

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Defaults:
    """What a new learner or group starts with until they change it."""

    timezone: str = "UTC"
    nudge_time: time = time(9, 0)
    study_days: frozenset[int] = DEFAULT_STUDY_DAYS
    track_id: str = BUILTIN_TRACK_ID
    pace: Pace = Pace.STANDARD


class _Cached(NamedTuple):
    track: Track
    parts: int


class TrackLibrary:
    def __init__(self, catalog: TrackCatalog) -> None:
        self._catalog = catalog
        self._imported: dict[str, _Cached] = {}  # the least recently used first
        self._parts = 0

    async def load(self, tracks: Tracks, track_id: str) -> Track | None:
        track = self._catalog.get(track_id)
        if track is not None:
            return track
        cached = self._imported.pop(track_id, None)
        if cached is not None:
            self._imported[track_id] = cached  # now the most recently used
            return cached.track
        track = await tracks.load(track_id)
        if track is None:
            return None
        # Another load of this track may have cached it while this one waited: keep one copy.
        cached = self._imported.get(track_id)
        if cached is not None:
            return cached.track
        self._keep(track_id, track)
        return track

    def _keep(self, track_id: str, track: Track) -> None:
        parts = parts_of(track)
        if parts > IMPORTED_PARTS_CACHED:
            return  # it would push out every other track and still not fit
        while self._imported and (
            len(self._imported) >= IMPORTED_TRACKS_CACHED
            or self._parts + parts > IMPORTED_PARTS_CACHED
        ):
            self._parts -= self._imported.pop(next(iter(self._imported))).parts
        self._imported[track_id] = _Cached(track, parts)
        self._parts += parts

    def forget(self, track_id: str) -> None:
        """Lets go of a cached track changed or deleted in storage: the next load reads it."""
        cached = self._imported.pop(track_id, None)
        if cached is not None:
            self._parts -= cached.parts

    def cached(self) -> list[str]:
        """The imported tracks held in memory, the least recently used first."""
        return list(self._imported)

    @property
    def cached_parts(self) -> int:
        """The parts (see `parts_of`) of the imported tracks held in memory."""
        return self._parts

    async def choosable(self, tracks: Tracks, learner_id: int | None) -> list[TrackRef]:
        """Tracks a learner may pick: the built-in ones, shared imports and their own."""
        builtin = [TrackRef(t.id, t.title) for t in self._catalog.all()]
        return builtin + await tracks.visible(learner_id)

    async def choose(self, tracks: Tracks, learner_id: int | None, name: str) -> Track | None:
        """The track named, if this learner may pick it."""
        wanted = name.strip().lower()
        choices = await self.choosable(tracks, learner_id)
        return await self.load(tracks, wanted) if wanted in {t.id for t in choices} else None


def parts_of(track: Track) -> int:
    """How many models make up the track (itself, its weeks, items, resources...), each
    occurrence counted: what a cached track's memory grows with."""
    count = 0
    pending: list[BaseModel] = [track]
    while pending:
        model = pending.pop()
        count += 1
        values = model.__dict__
        for name in _fields_of(type(model)).nested:
            value = values[name]
            if isinstance(value, tuple):
                pending += value
            elif value is not None:
                pending.append(value)
    return count


def share_equal_parts(track: Track) -> Track:
    """The track, holding one object for each value it repeats: equal strings and floats,
    equal frozen models without models inside (resources...) and tuples of those, and one
    set of the fields given per model class and set. Pydantic gives every model such a set
    (216 bytes, 728 from five fields on), more than its dict of values, and every parsed
    value an object of its own; a loaded roadmap holds 2.7-3 times less after this
    (bench/imports.py).

    Changes the track in place, to values equal to its own and under frozen models, so it
    stays `==` to what was parsed: call it only on a track nothing else holds yet, as
    storage does on each one it parses."""
    _Sharing().track(track)
    return track


@dataclass(frozen=True)
class _Fields:
    """A model class's fields by what sharing and counting do with their values."""

    strings: tuple[str, ...]
    floats: tuple[str, ...]
    nested: tuple[str, ...]  # holding models, or tuples of them
    leaf: bool  # frozen, and no models inside: equal ones can be one object


_FIELDS: dict[type[BaseModel], _Fields] = {}


def _fields_of(cls: type[BaseModel]) -> _Fields:
    found = _FIELDS.get(cls)
    if found is None:
        fields = cls.model_fields
        nested = tuple(name for name, f in fields.items() if _holds_models(f.annotation))
        found = _FIELDS[cls] = _Fields(
            # Ids are unique within a track (Track checks): never equal, not worth a look-up.
            strings=tuple(n for n, f in fields.items() if f.annotation is str and n != "id"),
            floats=tuple(name for name, f in fields.items() if f.annotation is float),
            nested=nested,
            leaf=not nested and bool(cls.model_config.get("frozen")),
        )
    return found


def _holds_models(annotation: object) -> bool:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return True
    return any(_holds_models(arg) for arg in get_args(annotation))


class _Sharing:
    """One walk through a track: models with models inside are changed in place, leaves
    replaced by the first equal one."""

    def __init__(self) -> None:
        self._strings: dict[str, str] = {}
        self._floats: dict[float, float] = {}
        self._leaves: dict[BaseModel, BaseModel] = {}
        self._tuples: dict[tuple[BaseModel, ...], tuple[BaseModel, ...]] = {}
        self._fields_given: dict[type[BaseModel], list[set[str]]] = {}

    def track(self, track: Track) -> None:
        pending: list[BaseModel] = [track]
        while pending:
            model = pending.pop()
            fields = self._values(model)
            values = model.__dict__
            for name in fields.nested:
                value = values[name]
                if isinstance(value, tuple):
                    if value and all(_fields_of(type(v)).leaf for v in value):
                        values[name] = self._leaf_tuple(value)
                    else:
                        pending += value
                elif value is not None:
                    if _fields_of(type(value)).leaf:
                        values[name] = self._leaf(value)
                    else:
                        pending.append(value)

    def _values(self, model: BaseModel) -> _Fields:
        """Shares the model's strings, floats and set of fields given."""
        fields = _fields_of(type(model))
        values = model.__dict__
        strings = self._strings
        for name in fields.strings:
            value = values[name]
            if value:  # "" is one object already
                values[name] = strings.setdefault(value, value)
        for name in fields.floats:
            value = values[name]
            if value:  # not 0.0, which would merge with -0.0
                values[name] = self._floats.setdefault(value, value)
        given = model.__pydantic_fields_set__
        seen = self._fields_given.get(type(model))
        if seen is None:
            self._fields_given[type(model)] = [given]
            return fields
        for fields_given in seen:  # a class's models are given one of a few sets of fields
            if fields_given == given:
                object.__setattr__(model, "__pydantic_fields_set__", fields_given)
                return fields
        seen.append(given)
        return fields

    def _leaf(self, model: M) -> M:
        self._values(model)
        shared = self._leaves.setdefault(model, model)
        assert isinstance(shared, type(model))
        return shared

    def _leaf_tuple(self, values: tuple[BaseModel, ...]) -> tuple[BaseModel, ...]:
        shared = tuple([self._leaf(value) for value in values])
        return self._tuples.setdefault(shared, shared)
