"""The imported-track cache: bounded by how many tracks and by how large they are, the
least recently used let go first, and each track held with its repeated values once."""

from __future__ import annotations

import asyncio
from typing import Any, cast

import pytest

from core.importing.markdown import ImportedTrack, import_markdown
from core.learning import library
from core.learning.library import TrackLibrary, parts_of, share_equal_parts
from core.learning.ports import Tracks
from core.learning.tracks import BUILTIN_TRACK_ID, BuiltinCatalog, ItemKind, Track, parse_track

GUIDE = {"title": "SQL guide", "url": "https://www.postgresql.org/docs/current/"}
TUTORIAL = {"title": "Tutorial", "url": "https://example.org/tutorial"}


def track(track_id: str, *, weeks: int = 1, items: int = 1) -> Track:
    """`weeks` weeks of `items` items, each item with the guide as its resource."""
    return parse_track(
        {
            "id": track_id,
            "title": f"Track {track_id}",
            "weeks": [
                {
                    "id": f"w{w}",
                    "number": w,
                    "title": f"Week {w}",
                    "items": [
                        {
                            "id": f"w{w}-{i}",
                            "kind": "learn",
                            "title": f"Topic {i}",
                            "resources": [GUIDE],
                        }
                        for i in range(1, items + 1)
                    ],
                }
                for w in range(1, weeks + 1)
            ],
        }
    )


class StoredTracks:
    """Tracks as storage returns them: a fresh object on every load, which is counted. Only
    what the library calls: `tracks()` hands it over as the port."""

    def __init__(self, *tracks: Track) -> None:
        self.json = {t.id: t.model_dump_json() for t in tracks}
        self.loads: list[str] = []
        self.gate: asyncio.Event | None = None

    async def load(self, track_id: str) -> Track | None:
        self.loads.append(track_id)
        if self.gate is not None:
            await self.gate.wait()
        stored = self.json.get(track_id)
        return Track.model_validate_json(stored) if stored else None

    def tracks(self) -> Tracks:
        return cast(Tracks, self)


# --- the parts a track is counted in ----------------------------------------------


def test_a_track_weighs_one_part_for_itself_and_each_week_item_and_resource() -> None:
    two_by_three = track("t", weeks=2, items=3)
    assert parts_of(two_by_three) == 1 + 2 + 2 * 3 * 2
    with_week_resources = parse_track(
        two_by_three.model_dump()
        | {"weeks": [two_by_three.weeks[0].model_dump() | {"resources": [GUIDE, TUTORIAL]}]}
    )
    assert parts_of(with_week_resources) == 1 + 1 + 2 + 3 * 2


# --- the cache's bounds and order -----------------------------------------------------


async def test_a_cached_track_is_not_loaded_again_and_builtin_ones_are_never_cached() -> None:
    stored = StoredTracks(track("a"))
    cache = TrackLibrary(BuiltinCatalog())
    first = await cache.load(stored.tracks(), "a")
    assert first is not None and first == track("a")
    assert await cache.load(stored.tracks(), "a") is first
    assert await cache.load(stored.tracks(), BUILTIN_TRACK_ID) is not None
    assert await cache.load(stored.tracks(), "nope") is None
    assert stored.loads == ["a", "nope"]
    assert cache.cached() == ["a"]
    assert cache.cached_parts == parts_of(first)


async def test_the_least_recently_used_track_goes_first(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(library, "IMPORTED_TRACKS_CACHED", 2)
    stored = StoredTracks(track("a"), track("b"), track("c"))
    cache = TrackLibrary(BuiltinCatalog())
    for track_id in ("a", "b", "a", "c"):  # "a" used again after "b": "b" is the oldest use
        await cache.load(stored.tracks(), track_id)
    assert cache.cached() == ["a", "c"]
    assert stored.loads == ["a", "b", "c"]
    await cache.load(stored.tracks(), "b")
    assert cache.cached() == ["c", "b"]


async def test_the_cache_is_bounded_by_the_parts_it_holds(monkeypatch: pytest.MonkeyPatch) -> None:
    small = [track(f"s{n}", items=2) for n in range(3)]  # 6 parts each
    large = track("large", weeks=2, items=4)  # 19 parts
    stored = StoredTracks(*small, large)
    monkeypatch.setattr(library, "IMPORTED_PARTS_CACHED", 30)
    cache = TrackLibrary(BuiltinCatalog())
    for t in small:
        await cache.load(stored.tracks(), t.id)
    assert cache.cached() == ["s0", "s1", "s2"]
    assert cache.cached_parts == 18
    # The large one needs the room of two small ones, the least recently used.
    await cache.load(stored.tracks(), "s0")
    await cache.load(stored.tracks(), "large")
    assert cache.cached() == ["s0", "large"]
    assert cache.cached_parts == 6 + 19 <= library.IMPORTED_PARTS_CACHED


async def test_a_track_larger_than_the_whole_cache_is_loaded_but_not_kept(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stored = StoredTracks(track("small"), track("huge", weeks=3, items=5))
    monkeypatch.setattr(library, "IMPORTED_PARTS_CACHED", 20)
    cache = TrackLibrary(BuiltinCatalog())
    await cache.load(stored.tracks(), "small")
    huge = await cache.load(stored.tracks(), "huge")
    assert huge == track("huge", weeks=3, items=5)
    assert cache.cached() == ["small"]  # nothing pushed out for a track that cannot fit
    await cache.load(stored.tracks(), "huge")
    assert stored.loads == ["small", "huge", "huge"]


async def test_a_forgotten_track_is_loaded_again() -> None:
    stored = StoredTracks(track("a"), track("b", items=2))
    cache = TrackLibrary(BuiltinCatalog())
    for track_id in ("a", "b"):
        await cache.load(stored.tracks(), track_id)
    cache.forget("a")
    cache.forget("nope")
    assert cache.cached() == ["b"]
    assert cache.cached_parts == parts_of(track("b", items=2))
    await cache.load(stored.tracks(), "a")
    assert stored.loads == ["a", "b", "a"]


async def test_loads_of_one_track_at_once_keep_one_copy() -> None:
    stored = StoredTracks(track("a", items=3))
    stored.gate = asyncio.Event()
    cache = TrackLibrary(BuiltinCatalog())
    both = asyncio.gather(cache.load(stored.tracks(), "a"), cache.load(stored.tracks(), "a"))
    await asyncio.sleep(0)
    stored.gate.set()
    first, second = await both
    assert first is second
    assert stored.loads == ["a", "a"]
    assert cache.cached_parts == parts_of(track("a", items=3))


# --- equal values held once -----------------------------------------------------------

ROADMAP = b"""# Databases in three weeks

## Week 1: Basics
- SELECT and WHERE [guide](https://www.postgresql.org/docs/current/)
- ORDER BY [guide](https://www.postgresql.org/docs/current/)
- **Practice:** write ten queries

## Week 2: Joins
| Topic | What You'll Learn | Time |
|-------|-------------------|------|
| Inner joins | matching rows | 2 days |
| Outer joins | keeping unmatched rows | 2 days |

## Week 3: Design
- Normalisation [guide](https://www.postgresql.org/docs/current/)
- Indexes [tutorial](https://example.org/tutorial)
- **Project:** model a library catalogue
"""


def imported() -> Track:
    result = import_markdown(ROADMAP, source="db.md")
    assert isinstance(result, ImportedTrack)
    return result.track


def every_model(t: Track) -> list[Any]:
    models: list[Any] = [t]
    for week in t.weeks:
        models += [week, *week.resources]
        for item in week.items:
            models += [item, *item.resources]
    return models


@pytest.mark.parametrize("form", ["as stored", "defaults left out"])
def test_a_track_with_its_values_shared_equals_the_one_parsed(form: str) -> None:
    original = imported()
    text = original.model_dump_json(exclude_defaults=form == "defaults left out")
    parsed, shared = (
        Track.model_validate_json(text),
        share_equal_parts(Track.model_validate_json(text)),
    )
    assert shared == parsed == original
    assert hash(shared) == hash(original)
    assert shared.model_dump() == original.model_dump()
    assert shared.model_dump_json() == original.model_dump_json()
    # What pydantic records as given stays as it was parsed, for each model.
    assert shared.model_dump(exclude_unset=True) == parsed.model_dump(exclude_unset=True)
    for a, b in zip(every_model(shared), every_model(parsed), strict=True):
        assert a.model_fields_set == b.model_fields_set


def test_equal_values_are_one_object() -> None:
    shared = share_equal_parts(Track.model_validate_json(imported().model_dump_json()))
    items = [item for week in shared.weeks for item in week.items]
    guides = [r for item in items for r in item.resources if r.title == "guide"]
    assert len(guides) == 3
    assert guides[0] is guides[1] is guides[2]
    assert len({id(i.hours) for i in items if i.hours == 1.0}) == 1
    assert len({id(i.resources) for i in items if i.resources == (guides[0],)}) == 1
    fields_sets = {
        id(i.model_fields_set) for i in items if i.model_fields_set == items[0].model_fields_set
    }
    assert len(fields_sets) == 1
    kinds = [item.kind for item in items]
    assert all(type(kind) is ItemKind for kind in kinds)  # still the members, not their strings
    assert len(set(kinds)) > 1


def test_a_shared_track_still_copies_and_compares_as_before() -> None:
    shared = share_equal_parts(Track.model_validate_json(imported().model_dump_json()))
    first, second = shared.weeks[0], shared.weeks[2]
    assert first.model_fields_set is second.model_fields_set
    renamed = first.model_copy(update={"goal": "Read the manual"})
    assert renamed.goal == "Read the manual"
    assert "goal" in renamed.model_fields_set
    assert second.model_fields_set == first.model_fields_set  # the shared set is untouched
    assert first.goal == "" and shared == imported()
    with pytest.raises(ValueError):
        first.title = "changed"  # type: ignore[misc]
