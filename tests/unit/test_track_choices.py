"""A "choose one" block in a track: the weeks it spans follow one option, validated so that
a week never mixes options, and a learner's picks swap the option's items in."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from core.kernel.commands import Choose, from_action
from core.kernel.errors import TrackError
from core.learning.tracks import choice_blocks, parse_track
from tests.choice_tracks import choice_track, choice_track_data


def titles(items: Any) -> list[str]:
    return [item.title for item in items]


def test_a_choice_week_follows_its_first_option_until_another_is_picked() -> None:
    week = choice_track().weeks[1]
    assert week.followed_option is not None and week.followed_option.label == "FastAPI"
    assert titles(week.items) == ["FastAPI routing", "Pydantic models", "Write tests for it"]
    assert titles(week.alternatives) == ["Django apps", "Django ORM"]
    assert week.topics == ("FastAPI routing", "Pydantic models")


def test_following_another_option_swaps_its_items_in_and_keeps_the_common_ones() -> None:
    week = choice_track().weeks[1].following("b")
    assert week.followed_option is not None and week.followed_option.id == "b"
    assert titles(week.items) == ["Django apps", "Django ORM", "Write tests for it"]
    assert titles(week.alternatives) == ["FastAPI routing", "Pydantic models"]
    assert titles(week.following("a").items) == titles(choice_track().weeks[1].items)


def test_a_track_follows_picks_across_every_week_of_the_block() -> None:
    track = choice_track()
    django = track.following({"c1": "b"})
    assert [titles(w.items)[0] for w in django.weeks] == [
        "Requests and responses",
        "Django apps",
        "Django REST framework",
        "Indexes",
    ]
    assert django.weeks[0] is track.weeks[0]  # weeks outside the block are shared


@pytest.mark.parametrize("picks", [{}, {"c1": "a"}, {"c1": "zz"}, {"c9": "b"}])
def test_picks_that_change_nothing_give_the_same_track(picks: dict[str, str]) -> None:
    track = choice_track()
    assert track.following(picks) is track


def test_choice_blocks_span_their_weeks_and_name_the_option_followed() -> None:
    (block,) = choice_blocks(choice_track().following({"c1": "b"}))
    assert (block.id, block.first_week, block.last_week) == ("c1", 2, 3)
    assert [o.label for o in block.options] == ["FastAPI", "Django"]
    assert block.followed.label == "Django"
    assert choice_blocks(parse_track(_plain_track())) == []


def test_a_stored_track_reads_back_with_its_choices() -> None:
    track = choice_track()
    again = type(track).model_validate_json(track.model_dump_json())
    assert again == track
    assert again.following({"c1": "b"}) == track.following({"c1": "b"})


def _plain_track() -> dict[str, Any]:
    data = choice_track_data()
    data["weeks"] = [data["weeks"][0]]
    return data


def _week(data: dict[str, Any]) -> dict[str, Any]:
    week: dict[str, Any] = data["weeks"][1]
    return week


def _one_option(d: dict[str, Any]) -> None:
    _week(d)["options"] = _week(d)["options"][:1]
    _week(d)["alternatives"] = []


def _no_choice_id(d: dict[str, Any]) -> None:
    _week(d)["choice"] = ""


def _two_options_followed(d: dict[str, Any]) -> None:
    _week(d)["items"].append(_week(d)["alternatives"].pop())


def _unknown_option(d: dict[str, Any]) -> None:
    _week(d)["alternatives"][0]["option"] = "z"


def _option_item_without_choice(d: dict[str, Any]) -> None:
    d["weeks"][0]["items"][0]["option"] = "a"


def _repeated_alternative_id(d: dict[str, Any]) -> None:
    _week(d)["alternatives"][0]["id"] = _week(d)["items"][0]["id"]


def _repeated_option_id(d: dict[str, Any]) -> None:
    _week(d)["options"][1]["id"] = "a"


@pytest.mark.parametrize(
    "change",
    [
        _one_option,
        _no_choice_id,
        _two_options_followed,
        _unknown_option,
        _option_item_without_choice,
        _repeated_alternative_id,
        _repeated_option_id,
    ],
)
def test_inconsistent_choices_are_refused(change: Callable[[dict[str, Any]], None]) -> None:
    data = copy.deepcopy(choice_track_data())
    change(data)
    with pytest.raises(TrackError):
        parse_track(data)


def test_a_pick_button_round_trips_as_ids_and_a_typed_name_does_not() -> None:
    command = from_action(Choose("c1=b").as_action())
    assert isinstance(command, Choose) and command.exact == ("c1", "b")
    assert Choose("Django").exact is None
    assert Choose("c1 = b").exact is None
