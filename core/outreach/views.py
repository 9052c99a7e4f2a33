"""What the coach says when it writes first to a learner."""

from __future__ import annotations

import dataclasses
from datetime import date

from core.kernel import i18n
from core.kernel.commands import Quiz
from core.kernel.i18n import messages
from core.kernel.reply import (
    Block,
    Button,
    Checklist,
    Heading,
    Paragraph,
    Reply,
)
from core.learning.pace import Pace
from core.learning.plan import WeekPlan
from core.learning.tracks import Track
from core.learning.views import (
    MAX_TODAY_BUTTONS,
    check_item,
    done_buttons,
    streak_text,
    today,
)
from core.quizzes.refresh import Refresh

_, n_ = messages("outreach")


def morning_plan(
    track: Track,
    plan: WeekPlan,
    on: date,
    study_days: frozenset[int],
    streak_days: int,
    *,
    frozen: date | None = None,
    freezes: int = 0,
) -> Reply:
    """The daily plan: what /today says, opened with a greeting so it reads as a nudge,
    and a word on a freeze spent since the last one."""
    body = today(track, plan, on, study_days, streak_days)
    opening: list[Block] = [Paragraph(_("Good morning! Here is your plan."))]
    if frozen is not None:
        opening.append(
            Paragraph(
                _(
                    "{day} went by without a tick, so a streak freeze covered it: "
                    "your streak goes on. Freezes left: {count}."
                ).format(day=i18n.day(frozen), count=i18n.number(freezes))
            )
        )
    return Reply(blocks=(*opening, *body.blocks), buttons=body.buttons)


def _at_risk(streak_days: int, freezes: int) -> str:
    if streak_days and freezes:
        return n_(
            "Nothing ticked off today yet. If today passes without a tick, a streak freeze "
            "keeps your {days}-day streak ({count} held); one item keeps the freeze.",
            "Nothing ticked off today yet. If today passes without a tick, a streak freeze "
            "keeps your {days}-day streak ({count} held); one item keeps the freeze.",
            freezes,
        ).format(days=i18n.number(streak_days), count=i18n.number(freezes))
    if streak_days:
        return n_(
            "Your {count}-day streak ends tonight unless you tick something off.",
            "Your {count}-day streak ends tonight unless you tick something off.",
            streak_days,
        ).format(count=i18n.number(streak_days))
    return _("Nothing ticked off today yet. One small item starts a streak.")


def streak_at_risk(plan: WeekPlan, on: date, streak_days: int, *, freezes: int = 0) -> Reply:
    following = plan.next_open()
    blocks: list[Block] = [Paragraph(_at_risk(streak_days, freezes))]
    if following is not None:
        blocks.append(
            Paragraph(
                _("Smallest next step: {number}. {title}.").format(
                    number=i18n.number(following.number), title=following.item.title
                )
            )
        )
    return Reply(
        blocks=tuple(blocks),
        buttons=done_buttons([following]) if following is not None else (),
    )


def _pace_line(pace: Pace, hours: float) -> str:
    profile = pace.profile
    values = {
        "hours": i18n.number(hours),
        "least": i18n.number(profile.min_hours),
        "most": i18n.number(profile.max_hours),
    }
    match pace:
        case Pace.PART_TIME:
            text = _("Hours logged: {hours} of {least}–{most} h/week (part-time pace).")
        case Pace.ACCELERATED:
            text = _("Hours logged: {hours} of {least}–{most} h/week (accelerated pace).")
        case _:
            text = _("Hours logged: {hours} of {least}–{most} h/week (standard pace).")
    return text.format(**values)


def weekly_digest(
    track: Track,
    plan: WeekPlan,
    on: date,
    pace: Pace,
    hours: float,
    streak_days: int,
    *,
    worked_today: bool,
) -> Reply:
    """The week in review on its last study day: done, missed, hours, what comes next."""
    done = [p for p in plan.items if p.done]
    missed = [p for p in plan.items if not p.done and p.due_on <= on]
    lines = [
        _("Done: {done} of {total} items.").format(
            done=i18n.number(len(done)), total=i18n.number(len(plan.items))
        ),
        _pace_line(pace, hours),
        streak_text(streak_days),
    ]
    if hours < pace.profile.min_hours:
        lines.append(_("Log study time with /log 1.5 so the hours count."))
    blocks: list[Block] = [
        Heading(
            _("Week {number} in review: {title}").format(
                number=i18n.number(plan.week.number), title=plan.week.title
            )
        ),
        Paragraph("\n".join(lines)),
    ]
    if missed:
        blocks += [
            Paragraph(_("Still open:")),
            Checklist(tuple(check_item(p) for p in missed[:MAX_TODAY_BUTTONS])),
        ]
    following = track.week_after(plan.week.id)
    if following is not None:
        values = {"number": i18n.number(following.number), "title": following.title}
        if following.goal:
            preview = _("Next: week {number}, {title}. Goal: {goal}")
            values["goal"] = following.goal
        else:
            preview = _("Next: week {number}, {title}.")
        blocks.append(Paragraph(preview.format(**values)))
    if not worked_today:
        blocks.append(
            Paragraph(_("Nothing ticked off today yet; one item keeps your streak going."))
        )
    return Reply(blocks=tuple(blocks), buttons=done_buttons(missed[:3]))


def with_refresh(reply: Reply, refresh: Refresh | None, on: date) -> Reply:
    """The plan with a word on a fading week's refresh: planned for a coming day, or due
    today with a button to start it."""
    if refresh is None:
        return reply
    values = {
        "number": i18n.number(refresh.week.number),
        "title": refresh.week.title,
        "recall": i18n.number(round(refresh.recall * 100)),
        # Translators: the separator between the topics of a refresh.
        "topics": _("; ").join(refresh.topics),
    }
    if refresh.on > on:
        text = _(
            "Week {number}, {title}, is fading ({recall}% still remembered): "
            "a short refresh is planned for {day}: {topics}."
        ).format(day=i18n.day(refresh.on), **values)
        return dataclasses.replace(reply, blocks=(*reply.blocks, Paragraph(text)))
    text = _(
        "Refresh today, a few minutes: Week {number}, {title}, is fading "
        "({recall}% still remembered). Topics: {topics}."
    ).format(**values)
    button = Button(_("Refresh now"), Quiz().as_action())
    return dataclasses.replace(
        reply, blocks=(*reply.blocks, Paragraph(text)), buttons=(*reply.buttons, (button,))
    )
