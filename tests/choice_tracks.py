"""A small track with a "choose one" block, built as the importer builds one, for the
rules, storage and adapter tests of choices."""

from __future__ import annotations

from typing import Any

from core.learning.tracks import Track, parse_track

CHOICE_TRACK_ID = "web-paths-0a1b2c"


def _item(item_id: str, title: str, option: str = "", kind: str = "learn") -> dict[str, Any]:
    return {"id": item_id, "kind": kind, "title": title, "hours": 1.0, "option": option}


def _choice_week(number: int, fastapi: list[str], django: list[str]) -> dict[str, Any]:
    week_id = f"w{number:02d}"
    fast = [_item(f"{week_id}-{n:02d}", t, "a") for n, t in enumerate(fastapi, start=1)]
    dj = [_item(f"{week_id}-{n:02d}", t, "b") for n, t in enumerate(django, start=len(fastapi) + 2)]
    common = _item(f"{week_id}-{len(fastapi) + 1:02d}", "Write tests for it", kind="practice")
    return {
        "id": week_id,
        "number": number,
        "title": "Web framework",
        "choice": "c1",
        "options": [{"id": "a", "label": "FastAPI"}, {"id": "b", "label": "Django"}],
        "items": [*fast, common],
        "alternatives": dj,
    }


def choice_track_data() -> dict[str, Any]:
    return {
        "id": CHOICE_TRACK_ID,
        "title": "Web paths",
        "weeks": [
            {
                "id": "w01",
                "number": 1,
                "title": "HTTP",
                "items": [
                    _item("w01-01", "Requests and responses"),
                    _item("w01-02", "Status codes"),
                ],
            },
            _choice_week(2, ["FastAPI routing", "Pydantic models"], ["Django apps", "Django ORM"]),
            _choice_week(3, ["Dependencies"], ["Django REST framework"]),
            {
                "id": "w04",
                "number": 4,
                "title": "Databases",
                "items": [_item("w04-01", "Indexes")],
            },
        ],
    }


def choice_track() -> Track:
    return parse_track(choice_track_data())
