"""A learner's day-by-day history, kept as compact bitmaps beside the enrollment, and the
streak read from it (the rules: docs/design.md, "Streaks").

A streak needs the whole history of active days and of days passed over, and `/done`
must stay within three SQL statements; a bit per local day since the enrollment began (a
few hundred bytes for years of study) lets one UPDATE carry it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from core.kernel.schedule import is_study_day
from core.learning.plan import WeekPlan


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
        bits = bytearray(self.bits)
        for day in days:
            index, bit = divmod(self._offset(day), 8)
            if index >= len(bits):
                bits.extend(b"\0" * (index + 1 - len(bits)))
            bits[index] |= 1 << bit
        return DayBitmap(self.origin, bytes(bits).rstrip(b"\0"))

    def before(self, day: date) -> DayBitmap:
        """The days before `day` only."""
        offset = (day - self.origin).days
        if offset <= 0:
            return DayBitmap(self.origin)
        index, bit = divmod(offset, 8)
        bits = bytearray(self.bits[: index + 1])
        if index < len(bits):
            bits[index] &= (1 << bit) - 1
        return DayBitmap(self.origin, bytes(bits).rstrip(b"\0"))

    def last(self) -> date | None:
        bits = self.bits.rstrip(b"\0")
        if not bits:
            return None
        return self.origin + timedelta(days=(len(bits) - 1) * 8 + bits[-1].bit_length() - 1)

    def days(self) -> list[date]:
        return [
            self.origin + timedelta(days=index * 8 + bit)
            for index, byte in enumerate(self.bits)
            for bit in range(8)
            if byte >> bit & 1
        ]

    def _offset(self, day: date) -> int:
        offset = (day - self.origin).days
        if offset < 0:
            raise ValueError(f"{day} is before the history starts ({self.origin})")
        return offset

    def _set(self, day: date, *, on: bool) -> DayBitmap:
        index, bit = divmod(self._offset(day), 8)
        bits = bytearray(self.bits)
        if index >= len(bits):
            if not on:
                return self
            bits.extend(b"\0" * (index + 1 - len(bits)))
        bits[index] = bits[index] | (1 << bit) if on else bits[index] & ~(1 << bit)
        return DayBitmap(self.origin, bytes(bits).rstrip(b"\0"))


FREEZES_HELD_AT_MOST = 2


@dataclass(frozen=True)
class Streak:
    """A learner's streak as of a day, with the freezes that keep it through a miss."""

    days: int
    freezes: int  # held now: each covers one missed study day, spent on the first
    frozen: tuple[date, ...] = ()  # the missed study days a freeze covered, oldest first


def streak_record(
    today: date,
    *,
    active: DayBitmap,
    paused: DayBitmap,
    paused_since: date | None,
    study_days: frozenset[int],
    finished_on: date | None = None,
) -> Streak:
    """Active days since the last day that was over, was owed, saw no work and found no
    freeze to cover it; and the freezes held.

    A week of steady study earns a freeze: as many study days worked, with no owed day
    missed between, as the learner has study days a week (at most FREEZES_HELD_AT_MOST
    held). A study day counts by its weekday: one whose plan was done is passed over as
    owing nothing, yet it is the steadiest kind. A missed owed day spends a freeze and the
    streak goes on; without one, it ends. Both are read from the history alone, from the
    first day on, so nothing is stored that could disagree; a later `/done yesterday`
    gives back the freeze that yesterday spent.

    `paused` holds every day passed over that the weekday does not tell: days on a
    break, study days covered by work done ahead, and rest days kept through a change of
    study days. Today is not over, nor is a day after it (a move west), whose ticks count.
    """
    earns_after = max(1, len(study_days))
    # Read as strings of "0"/"1" by day offset: the walk covers the whole history on every
    # command, so it reads bits by index rather than date arithmetic (a year: ~0.1 ms).
    origin = active.origin
    worked = _day_flags(active)
    passed_shift = (paused.origin - origin).days
    passed = _day_flags(paused)
    today_at = (today - origin).days
    last_at = max(today_at, len(worked) - 1)
    break_at = (paused_since - origin).days if paused_since is not None else last_at + 1
    finish_at = (finished_on - origin).days if finished_on is not None else last_at + 1
    studies = [(origin.weekday() + n) % 7 in study_days for n in range(7)]
    held = in_a_row = days = 0
    frozen: list[date] = []
    for at in range(last_at + 1):
        study_day = studies[at % 7]
        if at < len(worked) and worked[at] == "1":
            days += 1  # any day with work counts, a rest day or the day a break began included
            in_a_row += study_day
            if in_a_row >= earns_after:
                held, in_a_row = min(FREEZES_HELD_AT_MOST, held + 1), 0
        elif (
            at < today_at
            and study_day
            and not (0 <= at - passed_shift < len(passed) and passed[at - passed_shift] == "1")
            and at < break_at
            and at <= finish_at
        ):  # a missed owed day: `owes` by offsets
            in_a_row = 0
            if held:
                held -= 1
                frozen.append(origin + timedelta(days=at))
            else:
                days = 0
    return Streak(days, held, tuple(frozen))


def _day_flags(bitmap: DayBitmap) -> str:
    """The bitmap as "0"/"1" by day offset from its origin."""
    return format(int.from_bytes(bitmap.bits, "little"), "b")[::-1] if bitmap.bits else ""


def owes(
    day: date,
    *,
    paused: DayBitmap,
    paused_since: date | None,
    study_days: frozenset[int],
    finished_on: date | None = None,
) -> bool:
    """Whether `day` owes work: a study day not passed over (on a break, covered by work
    done ahead, a rest day kept) and not after a finished track. A day is settled when it
    ends and today's covered days are written whenever the plan or the ticks change, so
    this holds for today as well."""
    return (
        is_study_day(day, study_days)
        and day not in paused
        and not (paused_since is not None and day >= paused_since)
        and not (finished_on is not None and day > finished_on)
    )


def covered_ahead(plan: WeekPlan, today: date, study_days: frozenset[int]) -> list[date]:
    """Study days from today on that owe nothing: every item planned on or before them is
    done. They end where the earliest open item falls due."""
    open_due = [p.due_on for p in plan.items if p.done_on is None]
    if not open_due:
        return []  # the week is closing, or the track is finished
    days = (today + timedelta(days=n) for n in range((min(open_due) - today).days))
    return [day for day in days if is_study_day(day, study_days)]


def with_covered_ahead(passed: DayBitmap, today: date, covered: Iterable[date]) -> DayBitmap:
    """`passed` with the days from today on replaced by `covered`.

    A day is settled when it ends; from today on it follows the plan in force, so
    whatever changes the plan or the ticks recomputes it. `/resume` records a break's
    days, all before the day it runs, so from today on `passed` holds only days covered
    (or, after a move west, a day that is today again and is judged afresh).
    """
    start = max(today, passed.origin)
    return passed.before(start).with_days(day for day in covered if day >= start)


def with_rest_days(passed: DayBitmap, *, until: date, study_days: frozenset[int]) -> DayBitmap:
    """`passed` with every day before `until` that is a rest day under `study_days`, so a
    change of study days never turns a rest day that is over into a missed one."""
    days = (passed.origin + timedelta(days=n) for n in range((until - passed.origin).days))
    return passed.with_days(day for day in days if not is_study_day(day, study_days))
