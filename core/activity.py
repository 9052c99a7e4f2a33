"""A learner's day-by-day history, kept as a compact bitmap beside the enrollment.

A streak needs the whole history of active and paused days, and `/done` must stay
within three SQL statements; a bit per local day since the enrollment began (a few
hundred bytes for years of study) lets one UPDATE carry it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta


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


def is_study_day(day: date, study_days: frozenset[int]) -> bool:
    return day.weekday() in study_days


def streak(
    today: date,
    *,
    active: DayBitmap,
    paused: DayBitmap,
    paused_since: date | None,
    study_days: frozenset[int],
) -> int:
    """Consecutive study days with work done, up to today.

    Rest days and paused days neither count nor break it; today only counts once
    something is done, so the streak is never broken before the day is over.
    """
    count = 0
    day = today
    while day >= active.origin:
        if is_study_day(day, study_days):
            if day in active:
                count += 1  # work done on the day a break began still counts
            elif day != today and day not in paused and not (paused_since and day >= paused_since):
                break
        day -= timedelta(days=1)
    return count
