"""/calendar: the learner's coming study days as an iCalendar file, each day an event at
their nudge time in their time zone, which Google, Apple and Outlook calendars import.

Each day's event has a stable UID (enrollment and date), so importing a newer file
updates the days already imported instead of doubling them."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from itertools import islice

from core.kernel.i18n import messages
from core.kernel.reply import Attachment, Reply
from core.learning import views
from core.learning.context import Context
from core.learning.ports import LearningUnitOfWork
from core.learning.tracks import Item

_, n_ = messages("learning")

LearningContext = Context[LearningUnitOfWork]

CALENDAR_WEEKS = 4  # the current track week and the three after it
SHORTEST_EVENT, LONGEST_EVENT = timedelta(minutes=30), timedelta(hours=4)


def coming_days(ctx: LearningContext) -> dict[date, list[Item]]:
    """The items planned on each study day from today, over CALENDAR_WEEKS track weeks:
    what is still open this week (overdue items today), then the weeks after it as
    they would be planned if each opens the day after the one before it ends."""
    today, plan = ctx.today, ctx.plan()
    days: dict[date, list[Item]] = defaultdict(list)
    for planned in plan.open_items():
        days[max(planned.due_on, today)].append(planned.item)
    for coming in islice(ctx.plans_ahead(), CALENDAR_WEEKS - 1):
        for planned in coming.items:
            days[planned.due_on].append(planned.item)
    return dict(sorted(days.items()))


def calendar_file(ctx: LearningContext) -> bytes:
    from icalendar import Calendar, Event  # loaded by the few who ask

    e = ctx.enrollment
    calendar = Calendar()
    calendar.add("prodid", "-//Roadmap Coach//Study plan//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", _("Study: {title}").format(title=ctx.track.title))
    for day, items in coming_days(ctx).items():
        starts = datetime.combine(day, e.nudge_time, tzinfo=e.zone)
        hours = timedelta(hours=sum(item.hours for item in items))
        event = Event()
        event.add("uid", f"{e.id}-{day.isoformat()}@roadmap-coach")
        event.add("dtstamp", ctx.now)
        event.add("dtstart", starts)
        event.add("dtend", starts + min(max(hours, SHORTEST_EVENT), LONGEST_EVENT))
        event.add("summary", _summary(items))
        event.add("description", "\n".join(f"- {item.title}" for item in items))
        calendar.add_component(event)
    calendar.add_missing_timezones()  # VTIMEZONE for the learner's zone, with its DST rules
    return bytes(calendar.to_ical())


def _summary(items: list[Item]) -> str:
    """An event's title: the day's first item, and how many more."""
    if len(items) == 1:
        return _("Study: {title}").format(title=items[0].title)
    more = len(items) - 1
    return n_("Study: {title} and {count} more", "Study: {title} and {count} more", more).format(
        title=items[0].title, count=views.number(more)
    )


async def calendar(ctx: LearningContext) -> Reply:
    if ctx.enrollment.paused_since is not None:
        return views.paused(ctx.enrollment.paused_since)
    days = coming_days(ctx)
    if not days:
        return views.track_finished(ctx.track)
    first, last = min(days), max(days)
    reply = views.calendar_sent(len(days), first, last, ctx.enrollment)
    content = calendar_file(ctx)
    return Reply(
        blocks=reply.blocks,
        attachment=Attachment("study-plan.ics", content, "text/calendar"),
    )
