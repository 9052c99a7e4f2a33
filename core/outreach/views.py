"""What the coach says when it writes first to a learner."""

from __future__ import annotations

import dataclasses
from datetime import date

from core.kernel.commands import Quiz
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
    day_text,
    done_buttons,
    streak_text,
    today,
)
from core.quizzes.refresh import Refresh


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
    opening: list[Block] = [Paragraph("Good morning! Here is your plan.")]
    if frozen is not None:
        opening.append(
            Paragraph(
                f"{day_text(frozen)} went by without a tick, so a streak freeze covered it: "
                f"your streak goes on. Freezes left: {freezes}."
            )
        )
    return Reply(blocks=(*opening, *body.blocks), buttons=body.buttons)


def streak_at_risk(plan: WeekPlan, on: date, streak_days: int, *, freezes: int = 0) -> Reply:
    following = plan.next_open()
    if streak_days and freezes:
        opening = (
            f"Nothing ticked off today yet. If today passes without a tick, a streak freeze "
            f"keeps your {streak_days}-day streak ({freezes} held); one item keeps the freeze."
        )
    elif streak_days:
        opening = f"Your {streak_days}-day streak ends tonight unless you tick something off."
    else:
        opening = "Nothing ticked off today yet. One small item starts a streak."
    blocks: list[Block] = [Paragraph(opening)]
    if following is not None:
        blocks.append(Paragraph(f"Smallest next step: {following.number}. {following.item.title}."))
    return Reply(
        blocks=tuple(blocks),
        buttons=done_buttons([following]) if following is not None else (),
    )


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
    profile = pace.profile
    lines = [
        f"Done: {len(done)} of {len(plan.items)} items.",
        f"Hours logged: {hours:g} of {profile.hours_text} ({profile.label.lower()} pace).",
        streak_text(streak_days),
    ]
    if hours < profile.min_hours:
        lines.append("Log study time with /log 1.5 so the hours count.")
    blocks: list[Block] = [
        Heading(f"Week {plan.week.number} in review: {plan.week.title}"),
        Paragraph("\n".join(lines)),
    ]
    if missed:
        blocks += [
            Paragraph("Still open:"),
            Checklist(tuple(check_item(p) for p in missed[:MAX_TODAY_BUTTONS])),
        ]
    following = track.week_after(plan.week.id)
    if following is not None:
        preview = f"Next: week {following.number}, {following.title}."
        if following.goal:
            preview += f" Goal: {following.goal}"
        blocks.append(Paragraph(preview))
    if not worked_today:
        blocks.append(Paragraph("Nothing ticked off today yet; one item keeps your streak going."))
    return Reply(blocks=tuple(blocks), buttons=done_buttons(missed[:3]))


def with_refresh(reply: Reply, refresh: Refresh | None, on: date) -> Reply:
    """The plan with a word on a fading week's refresh: planned for a coming day, or due
    today with a button to start it."""
    if refresh is None:
        return reply
    topics = "; ".join(refresh.topics)
    fading = (
        f"Week {refresh.week.number}, {refresh.week.title}, is fading "
        f"({refresh.recall:.0%} still remembered)"
    )
    if refresh.on > on:
        text = f"{fading}: a short refresh is planned for {day_text(refresh.on)}: {topics}."
        return dataclasses.replace(reply, blocks=(*reply.blocks, Paragraph(text)))
    text = f"Refresh today, a few minutes: {fading}. Topics: {topics}."
    button = Button("Refresh now", Quiz().as_action())
    return dataclasses.replace(
        reply, blocks=(*reply.blocks, Paragraph(text)), buttons=(*reply.buttons, (button,))
    )
