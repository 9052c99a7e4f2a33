"""A catalog of one track of one week of three items: a track finished in three ticks,
for the rules of a finished track."""

from __future__ import annotations

from core.learning.tracks import Track, parse_track

SHORT_TRACK_ID = "short"


class ShortTrack:
    track: Track = parse_track(
        {
            "id": SHORT_TRACK_ID,
            "title": "Short track",
            "version": 1,
            "weeks": [
                {
                    "id": "s1",
                    "number": 1,
                    "title": "Only",
                    "items": [
                        {"id": "s-a", "kind": "learn", "title": "Read"},
                        {"id": "s-b", "kind": "practice", "title": "Try"},
                        {"id": "s-r", "kind": "review", "title": "Review"},
                    ],
                }
            ],
        }
    )

    def get(self, track_id: str) -> Track | None:
        return self.track if track_id == self.track.id else None

    def all(self) -> tuple[Track, ...]:
        return (self.track,)
