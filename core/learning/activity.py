"""A learner's day-by-day history, kept as a compact bitmap beside the enrollment.

A streak needs the whole history of active and paused days, and `/done` must stay
within three SQL statements; a bit per local day since the enrollment began (a few
hundred bytes for years of study) lets one UPDATE carry it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from core.kernel.schedule import is_study_day


@dataclass(frozen=True)
class DayBitmap:
    """Immutable set of dates on or after `origin`, one bit each."""

    origin: date
    bits: bytes = b""

    def __contains__(self, day: object) -> bool:
        if not isinstance(day, date):
            return False
        offset = (day - self.origin).days
        if offset < 0 or offset // 8 >= len(self.bits):
            return False
        return bool(self.bits[offset // 8] >> (offset % 8) & 1)

    def with_day(self, day: date) -> DayBitmap:
        return self._set(day, on=True)

    def without_day(self, day: date) -> DayBitmap:
        return self._set(day, on=False)

    def with_days(self, days: Iterable[date]) -> DayBitmap:
        bitmap = self
        for day in days:
            bitmap = bitmap.with_day(day)
        return bitmap

    def days(self) -> list[date]:
        return [
            self.origin + timedelta(days=index * 8 + bit)
            for index, byte in enumerate(self.bits)
            for bit in range(8)
            if byte >> bit & 1
        ]

    def _set(self, day: date, *, on: bool) -> DayBitmap:
        offset = (day - self.origin).days
        if offset < 0:
            raise ValueError(f"{day} is before the history starts ({self.origin})")
        index, bit = divmod(offset, 8)
        bits = bytearray(self.bits)
        if index >= len(bits):
            if not on:
                return self
            bits.extend(b"\0" * (index + 1 - len(bits)))
        bits[index] = bits[index] | (1 << bit) if on else bits[index] & ~(1 << bit)
        return DayBitmap(self.origin, bytes(bits).rstrip(b"\0"))


def streak(
    today: date,
    *,
    active: DayBitmap,
    paused: DayBitmap,
    paused_since: date | None,
    study_days: frozenset[int],
) -> int:
    """Days with work done, back to the first missed study day.

    Only a study day without work breaks it: an idle rest day or paused day is passed
    over, and today breaks nothing before it is over. Work on a rest day still counts.
    """
    count = 0
    day = today
    while day >= active.origin:
        if day in active:
            count += 1  # any day with work counts, a rest day or the day a break began included
        elif (
            day != today
            and is_study_day(day, study_days)
            and day not in paused
            and not (paused_since and day >= paused_since)
        ):
            break
        day -= timedelta(days=1)
    return count
