"""Who in a study group is in a focus session now: the members who share what they do."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import NamedTuple
from zoneinfo import ZoneInfo

from core.groups.model import Membership
from core.groups.standings import name_of
from core.groups.views import listed
from core.kernel import i18n
from core.kernel.i18n import messages
from core.kernel.reply import Paragraph, shortened
from core.learning.ports import LearningUnitOfWork

_, n_ = messages("groups")

MAX_FOCUSING_SHOWN = 10
MAX_NAME_CHARS = 32


class Focusing(NamedTuple):
    name: str
    until: datetime  # when the session's time is up (UTC)


async def focusing_now(
    uow: LearningUnitOfWork, members: Iterable[Membership], now: datetime
) -> list[Focusing]:
    """Members in a session at `now`, the soonest to finish first; a member who keeps what
    they do to themselves (`/share done off`) is not shown."""
    sharing = {m.learner_id: m for m in members if m.sharing.done}
    sessions = await uow.focus_sessions.running_among(sharing, now=now)
    return [
        Focusing(name_of(sharing[s.learner_id]), s.ends_at)
        for s in sorted(sessions, key=lambda s: (s.ends_at, s.learner_id))
    ]


def focusing_line(focusing: list[Focusing], zone: ZoneInfo) -> Paragraph | None:
    """ "Focusing now: Ada (until 10:25), Bob (until 11:00)", in the group's time; None
    when nobody is."""
    if not focusing:
        return None
    shown = [
        _("{name} (until {time})").format(
            name=shortened(f.name, MAX_NAME_CHARS),
            time=i18n.clock_time(f.until.astimezone(zone).time()),
        )
        for f in focusing[:MAX_FOCUSING_SHOWN]
    ]
    more = len(focusing) - len(shown)
    if more:
        shown.append(_("and {count} more").format(count=i18n.number(more)))
    return Paragraph(_("Focusing now: {names}").format(names=listed(shown)))
