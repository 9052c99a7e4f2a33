"""Which tracks a learner may follow, and loading them: the built-in catalogue first, then
imported roadmaps, kept in a bounded cache because an imported track never changes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

from core.learning.model import TrackRef
from core.learning.pace import Pace
from core.learning.ports import Tracks
from core.learning.tracks import BUILTIN_TRACK_ID, Track, TrackCatalog

IMPORTED_TRACKS_CACHED = 256
DEFAULT_STUDY_DAYS = frozenset(range(6))  # Mon-Sat


@dataclass(frozen=True)
class Defaults:
    """What a new learner or group starts with until they change it."""

    timezone: str = "UTC"
    nudge_time: time = time(9, 0)
    study_days: frozenset[int] = DEFAULT_STUDY_DAYS
    track_id: str = BUILTIN_TRACK_ID
    pace: Pace = Pace.STANDARD


class TrackLibrary:
    def __init__(self, catalog: TrackCatalog) -> None:
        self._catalog = catalog
        self._imported: dict[str, Track] = {}

    async def load(self, tracks: Tracks, track_id: str) -> Track | None:
        track = self._catalog.get(track_id) or self._imported.get(track_id)
        if track is None:
            track = await tracks.load(track_id)
            if track is not None:
                if len(self._imported) >= IMPORTED_TRACKS_CACHED:
                    del self._imported[next(iter(self._imported))]  # the oldest entry
                self._imported[track_id] = track
        return track

    def cached(self) -> list[str]:
        """The imported tracks held in memory, the oldest first."""
        return list(self._imported)

    async def choosable(self, tracks: Tracks, learner_id: int | None) -> list[TrackRef]:
        """Tracks a learner may pick: the built-in ones, shared imports and their own."""
        builtin = [TrackRef(t.id, t.title) for t in self._catalog.all()]
        return builtin + await tracks.visible(learner_id)

    async def choose(self, tracks: Tracks, learner_id: int | None, name: str) -> Track | None:
        """The track named, if this learner may pick it."""
        wanted = name.strip().lower()
        choices = await self.choosable(tracks, learner_id)
        return await self.load(tracks, wanted) if wanted in {t.id for t in choices} else None
