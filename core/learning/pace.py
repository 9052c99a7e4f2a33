"""Study paces, taken from how the source roadmaps describe their timelines."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from core.kernel import i18n
from core.kernel.i18n import N_, messages

_, n_ = messages("learning")


@dataclass(frozen=True)
class PaceProfile:
    name: str  # in English, marked for the catalog; people read `label`
    min_hours: int
    max_hours: int
    # Calendar days one track week lasts: a 24-week track takes about 4 months
    # accelerated (24 x 5 d), 6 months standard and 8-9 months part-time (24 x 11 d).
    days_per_track_week: int

    @property
    def label(self) -> str:
        """The pace's name in the language spoken."""
        return _(self.name)

    @property
    def hours_text(self) -> str:
        return _("{least}–{most} h/week").format(
            least=i18n.number(self.min_hours), most=i18n.number(self.max_hours)
        )


class Pace(enum.StrEnum):
    PART_TIME = "part-time"
    STANDARD = "standard"
    ACCELERATED = "accelerated"

    @property
    def profile(self) -> PaceProfile:
        return _PROFILES[self]

    def study_days_per_track_week(self, study_days_per_calendar_week: int) -> int:
        """How many of the learner's study days one track week is spread over."""
        share = study_days_per_calendar_week * self.profile.days_per_track_week / 7
        return max(1, round(share))

    @classmethod
    def parse(cls, text: str) -> Pace | None:
        key = text.strip().lower().replace("_", "-").replace(" ", "-")
        aliases = {
            "parttime": "part-time",
            "part": "part-time",
            "slow": "part-time",
            "normal": "standard",
            "fast": "accelerated",
        }
        key = aliases.get(key, key)
        try:
            return cls(key)
        except ValueError:
            return None


_PROFILES = {
    Pace.PART_TIME: PaceProfile(N_("Part-time"), 6, 8, 11),
    Pace.STANDARD: PaceProfile(N_("Standard"), 10, 15, 7),
    Pace.ACCELERATED: PaceProfile(N_("Accelerated"), 20, 25, 5),
}
