"""The built-in track and track validation."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from core.kernel.commands import MAX_ACTION_BYTES, Done, from_action
from core.kernel.errors import CoachError, TrackError
from core.learning.tracks import (
    BUILTIN_TRACK_ID,
    BuiltinCatalog,
    ItemKind,
    Track,
    builtin_track,
    parse_track,
)

TRACK = builtin_track()
ALL_ITEMS = [item for week in TRACK.weeks for item in week.items]


# --- the built-in track ------------------------------------------------------


def test_builtin_track_identity() -> None:
    assert TRACK.id == BUILTIN_TRACK_ID == "python-backend"
    assert TRACK.title == "Python Backend Developer"
    assert TRACK.version >= 1


def test_builtin_track_is_cached() -> None:
    assert builtin_track() is builtin_track()


def test_builtin_track_has_24_weeks_numbered_in_order() -> None:
    assert len(TRACK.weeks) == 24
    assert [w.number for w in TRACK.weeks] == list(range(1, 25))
    assert TRACK.first_week is TRACK.weeks[0]
    assert TRACK.first_week.number == 1


@pytest.mark.parametrize("week", TRACK.weeks, ids=lambda w: w.id)
def test_each_week_follows_the_rhythm(week: Any) -> None:
    kinds = [item.kind for item in week.items]
    assert len(kinds) >= 7
    assert kinds.count(ItemKind.BUILD) == 1
    assert kinds.count(ItemKind.REVIEW) >= 1
    assert kinds[-1] is ItemKind.REVIEW
    assert kinds[0] is ItemKind.LEARN
    assert [k.rank for k in kinds] == sorted(k.rank for k in kinds)
    assert week.topics  # at least one learn item
    assert len(week.projects) == 1
    assert week.planned_hours > 0


def test_ids_are_unique_short_and_well_formed() -> None:
    ids = [w.id for w in TRACK.weeks] + [i.id for i in ALL_ITEMS]
    assert len(ids) == len(set(ids))
    for item_id in ids:
        assert 1 <= len(item_id) <= 24
        assert item_id == item_id.lower()
        assert item_id[0].isalnum()
        assert set(item_id) <= set("abcdefghijklmnopqrstuvwxyz0123456789-")


def test_every_done_action_fits_in_a_button() -> None:
    for item in ALL_ITEMS:
        action = Done(item.id).as_action()
        assert action == f"done:{item.id}"
        assert len(action.encode()) <= MAX_ACTION_BYTES
        assert from_action(action) == Done(item.id)


def test_yesterday_actions_fit_too() -> None:
    for item in ALL_ITEMS:
        assert len(Done(item.id, yesterday=True).as_action().encode()) <= MAX_ACTION_BYTES


def test_week_one_content() -> None:
    week = TRACK.weeks[0]
    assert week.id == "w01"
    assert len(week.items) == 7
    assert [i.id for i in week.items][-2:] == ["w01-calculator", "w01-review"]
    assert week.item("w01-drills") is not None
    assert week.item("w01-drills").kind is ItemKind.PRACTICE  # type: ignore[union-attr]
    assert week.item("nope") is None


def test_week_navigation() -> None:
    assert TRACK.week("w01") is TRACK.weeks[0]
    assert TRACK.week("w99") is None
    assert TRACK.week_after("w01") is TRACK.weeks[1]
    assert TRACK.week_after(TRACK.weeks[-1].id) is None
    assert TRACK.week_before("w01") is None
    assert TRACK.week_before(TRACK.weeks[1].id) is TRACK.weeks[0]
    assert TRACK.week_after("w99") is None
    assert TRACK.week_before("w99") is None


def test_builtin_catalog() -> None:
    catalog = BuiltinCatalog()
    assert catalog.get(BUILTIN_TRACK_ID) is TRACK
    assert catalog.get("other") is None
    assert catalog.all() == (TRACK,)


def test_resources_are_http_links() -> None:
    for week in TRACK.weeks:
        for resource in week.resources:
            assert resource.url.startswith(("https://", "http://"))


# --- parse_track -------------------------------------------------------------


def minimal() -> dict[str, Any]:
    return {
        "id": "mini",
        "title": "Mini",
        "weeks": [
            {
                "id": "m1",
                "number": 1,
                "title": "One",
                "items": [
                    {"id": "m1-review", "kind": "review", "title": "Look back"},
                    {"id": "m1-read", "kind": "learn", "title": "Read"},
                    {"id": "m1-build", "kind": "build", "title": "Build", "hours": 3},
                    {"id": "m1-drill", "kind": "practice", "title": "Drill"},
                ],
            },
            {
                "id": "m2",
                "number": 2,
                "title": "Two",
                "items": [{"id": "m2-read", "kind": "learn", "title": "Read more"}],
            },
        ],
    }


def test_minimal_track_parses_and_sorts_into_rhythm_order() -> None:
    track = parse_track(minimal())
    assert isinstance(track, Track)
    assert track.version == 1
    assert [i.id for i in track.weeks[0].items] == ["m1-read", "m1-drill", "m1-build", "m1-review"]
    assert track.weeks[0].items[0].hours == 1.0
    assert track.weeks[0].planned_hours == 6.0


def test_builtin_track_round_trips_through_parse_track() -> None:
    assert parse_track(TRACK.model_dump(mode="json")) == TRACK


def test_track_error_is_a_coach_error() -> None:
    assert issubclass(TrackError, CoachError)


def broken(change: Any) -> dict[str, Any]:
    data = copy.deepcopy(minimal())
    change(data)
    return data


def _set(path: list[Any], value: Any) -> Any:
    def apply(data: dict[str, Any]) -> None:
        target: Any = data
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return apply


@pytest.mark.parametrize(
    ("change", "message"),
    [
        # duplicate ids: item/item, item/week
        (_set(["weeks", 1, "items", 0, "id"], "m1-read"), "repeated: m1-read"),
        (_set(["weeks", 1, "id"], "m1"), "repeated: m1"),
        (_set(["weeks", 0, "items", 0, "id"], "m2"), "repeated: m2"),
        # week numbering
        (_set(["weeks", 1, "number"], 3), "numbered 1, 2, 3"),
        (_set(["weeks", 0, "number"], 2), "numbered 1, 2, 3"),
        (_set(["weeks", 1, "number"], 1), "numbered 1, 2, 3"),
        # bad ids
        (_set(["weeks", 0, "items", 0, "id"], "M1-Read"), "weeks.0.items.0.id"),
        (_set(["weeks", 0, "items", 0, "id"], "-read"), "weeks.0.items.0.id"),
        (_set(["weeks", 0, "items", 0, "id"], "m1 read"), "weeks.0.items.0.id"),
        (_set(["weeks", 0, "items", 0, "id"], "m1_read"), "weeks.0.items.0.id"),
        (_set(["weeks", 0, "items", 0, "id"], ""), "weeks.0.items.0.id"),
        (_set(["weeks", 0, "items", 0, "id"], "x" * 25), "weeks.0.items.0.id"),
        (_set(["weeks", 0, "id"], "Week1"), "weeks.0.id"),
        (_set(["id"], "Mini Track"), "at id"),
        # unknown fields at every level
        (_set(["colour"], "red"), "at colour"),
        (_set(["weeks", 0, "colour"], "red"), "weeks.0.colour"),
        (_set(["weeks", 0, "items", 0, "colour"], "red"), "weeks.0.items.0.colour"),
        # other field rules
        (_set(["weeks", 0, "items", 0, "kind"], "lecture"), "weeks.0.items.0.kind"),
        (_set(["weeks", 0, "items", 0, "hours"], 0), "weeks.0.items.0.hours"),
        (_set(["weeks", 0, "items", 0, "hours"], 9), "weeks.0.items.0.hours"),
        (_set(["weeks", 0, "items", 0, "title"], "   "), "weeks.0.items.0.title"),
        (_set(["weeks", 0, "items"], []), "weeks.0.items"),
        (_set(["weeks"], []), "at weeks"),
        (_set(["weeks", 0, "number"], 0), "weeks.0.number"),
        (
            _set(["weeks", 0, "resources"], [{"title": "Docs", "url": "javascript:alert(1)"}]),
            "weeks.0.resources.0.url",
        ),
    ],
)
def test_parse_track_rejects(change: Any, message: str) -> None:
    with pytest.raises(TrackError, match="invalid track") as info:
        parse_track(broken(change))
    assert message in str(info.value)


def test_item_id_of_exactly_24_characters_is_accepted() -> None:
    data = broken(_set(["weeks", 0, "items", 0, "id"], "x" * 24))
    assert parse_track(data).weeks[0].item("x" * 24) is not None


def test_missing_weeks_is_rejected() -> None:
    data = minimal()
    del data["weeks"]
    with pytest.raises(TrackError, match="weeks"):
        parse_track(data)


@pytest.mark.parametrize("data", [None, [], "track", 3])
def test_non_mapping_input_is_rejected(data: object) -> None:
    with pytest.raises(TrackError):
        parse_track(data)


def test_parsed_tracks_are_frozen() -> None:
    track = parse_track(minimal())
    with pytest.raises(ValueError, match="frozen"):
        track.title = "Changed"  # type: ignore[misc]


# --- long tracks: the checks read every id once ----------------------------------


def long_track(weeks: int = 500, items: int = 40) -> dict[str, Any]:
    return {
        "id": "long",
        "title": "Long",
        "weeks": [
            {
                "id": f"w{week:03d}",
                "number": week,
                "title": f"Week {week}",
                "items": [
                    {"id": f"w{week:03d}-{item:02d}", "kind": "learn", "title": f"Item {item}"}
                    for item in range(1, items + 1)
                ],
            }
            for week in range(1, weeks + 1)
        ],
    }


def test_a_twenty_thousand_item_track_parses() -> None:
    track = parse_track(long_track())
    assert sum(len(week.items) for week in track.weeks) == 20_000
    assert track.weeks[-1].items[-1].id == "w500-40"


def test_one_repeated_id_among_twenty_thousand_is_refused_and_named() -> None:
    data = long_track()
    data["weeks"][499]["items"][39]["id"] = "w001-01"  # the last item repeats the first
    with pytest.raises(TrackError, match="repeated") as info:
        parse_track(data)
    assert str(info.value).endswith("ids must be unique, repeated: w001-01")


def test_every_repeated_id_is_named_once_in_order() -> None:
    data = long_track()
    data["weeks"][10]["items"][0]["id"] = "w400-02"
    data["weeks"][20]["items"][5]["id"] = "w003-07"
    data["weeks"][30]["items"][9]["id"] = "w003-07"  # three times: still named once
    data["weeks"][40]["id"] = "w002"  # a week id repeated too
    with pytest.raises(TrackError) as info:
        parse_track(data)
    assert str(info.value).endswith("repeated: w002, w003-07, w400-02")
