"""One learner on several platforms: link codes, and merging two learners' progress.

A learner asks for a code on one platform and types it on another. The learner who
asked keeps their settings; the other learner's progress is folded into theirs.
"""

from __future__ import annotations

import dataclasses
import hashlib
import secrets
from collections.abc import Iterable, Sequence
from datetime import timedelta

from core.accounts.model import MergedEnrollment
from core.kernel.i18n import listed, messages
from core.learning.activity import DayBitmap
from core.learning.model import CompletionRecord, Enrollment, NewCompletion
from core.learning.tracks import Track

# Letters and digits that cannot be misread for one another: no 0/O, 1/I/L.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 6
CODE_TTL = timedelta(minutes=10)
# Wrong codes one identity may try within the window before it has to wait.
MAX_WRONG_CODES = 5
WRONG_CODE_WINDOW = timedelta(minutes=10)

_, n_ = messages("accounts")


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(text: str) -> str | None:
    """What the learner typed as a code ('abc-234', 'ABC 234'), or None if it cannot be one."""
    code = "".join(text.split()).replace("-", "").upper()
    if len(code) != CODE_LENGTH or any(char not in CODE_ALPHABET for char in code):
        return None
    return code


def code_hash(code: str) -> str:
    """Only this is stored, so the table does not hand out live codes."""
    return hashlib.sha256(code.encode()).hexdigest()


def platform_name(platform: str) -> str:
    """A platform as a sentence names it, in the language spoken."""
    match platform:
        case "telegram":
            return _("Telegram")
        case "discord":
            return _("Discord")
        case "console":
            return _("the console")
    return platform.title()


def platforms_text(platforms: Iterable[str]) -> str:
    """'Telegram and Discord', 'Telegram, Discord and the console'."""
    return listed(list(dict.fromkeys(platform_name(p) for p in platforms)))


def merge_enrollments(
    keep: Enrollment,
    other: Enrollment,
    keep_done: Sequence[CompletionRecord],
    other_done: Sequence[CompletionRecord],
    track: Track | None,
) -> MergedEnrollment:
    """Two enrollments on one track as one: `keep`'s settings, both sides' work.

    An item done on either side is done, on the earlier date; days active or paused on
    either side count; the week is the one further along, moved on past any week the
    union of ticks completes, as `/done` would have.
    """
    ticks = {t.item_id: t for t in keep_done}
    for tick in other_done:
        mine = ticks.get(tick.item_id)
        if mine is None or (tick.done_on, tick.done_at) < (mine.done_on, mine.done_at):
            ticks[tick.item_id] = tick
    added = sum(1 for item_id in ticks if item_id not in {t.item_id for t in keep_done})

    started_on = min(keep.started_on, other.started_on)
    merged = dataclasses.replace(
        keep,
        started_on=started_on,
        active_days=DayBitmap(started_on).with_days(
            [*keep.active_days.days(), *other.active_days.days()]
        ),
        paused_days=DayBitmap(started_on).with_days(
            [*keep.paused_days.days(), *other.paused_days.days()]
        ),
    )
    if track is None:  # without the weeks, keep what `keep` knew
        rows = [_new(t, completes_week=t.completes_week) for t in ticks.values()]
        return MergedEnrollment(merged, other.id, tuple(rows), added)

    def number(e: Enrollment) -> int:
        week = track.week(e.current_week_id)
        return week.number if week else 0

    ahead = other if number(other) > number(keep) else keep
    week = track.week(ahead.current_week_id) or track.first_week
    opened_on = ahead.week_opened_on
    while all(i.id in ticks for i in week.items) and (after := track.week_after(week.id)):
        opened_on = max(ticks[i.id].done_on for i in week.items)
        week = after
    merged.current_week_id, merged.week_opened_on = week.id, opened_on
    merged.moved = dict(ahead.moved) if week.id == ahead.current_week_id else {}

    # The latest tick of each complete week is the one that completed it.
    # Ticks at the same moment: the one further down the week closes it.
    closing = set()
    for w in track.weeks:
        if w.items and all(i.id in ticks for i in w.items):
            _done_on, _done_at, _place, last = max(
                (ticks[i.id].done_on, ticks[i.id].done_at, n, i.id) for n, i in enumerate(w.items)
            )
            closing.add(last)
    rows = [_new(t, completes_week=t.item_id in closing) for t in ticks.values()]
    return MergedEnrollment(merged, other.id, tuple(rows), added)


def _new(tick: CompletionRecord, *, completes_week: bool) -> NewCompletion:
    return NewCompletion(tick.week_id, tick.item_id, tick.done_on, tick.done_at, completes_week)
