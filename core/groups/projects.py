"""Practice projects shared with the group, reviews of each other's, and the standings."""

from __future__ import annotations

from dataclasses import replace

from core.groups import views
from core.groups.calendar import Period, period_start_instant
from core.groups.call import GroupCall
from core.groups.focusing import focusing_line, focusing_now
from core.groups.standings import group_plan, group_week, standings
from core.kernel.commands import Leaderboard, Review, Submit
from core.kernel.i18n import messages
from core.kernel.reply import Reply

_, n_ = messages("groups")

MAX_SUBMISSION_CHARS = 1000
MAX_REVIEW_CHARS = 300


async def submit(call: GroupCall[Submit]) -> Reply:
    uow, who, group, track, snapshot, command, now = call
    membership = await call.membership()
    if snapshot is None or membership is None:
        return views.not_member("submit")
    text = command.text.strip()
    if not text or len(text) > MAX_SUBMISSION_CHARS:
        return views.submit_usage(MAX_SUBMISSION_CHARS)
    week = group_week(track, group.started_on, call.today)
    own = await uow.enrollments.find(snapshot.learner_id, track.id)
    if own is not None:
        week = track.week(own.current_week_id) or week
    number = await uow.projects.submit(
        group.id, snapshot.learner_id, week_id=week.id, text=text, at=now
    )
    record = await uow.projects.find(group.id, number)
    assert record is not None
    with call.to_the_group():
        return views.submitted(replace(record, author=who.display_name or record.author), week)


async def review(call: GroupCall[Review]) -> Reply:
    uow, who, group, _track, snapshot, command, now = call
    membership = await call.membership()
    if snapshot is None or membership is None:
        return views.not_member("review")
    comment = command.comment.strip()
    if command.number is None or not comment or len(comment) > MAX_REVIEW_CHARS:
        return views.review_usage(MAX_REVIEW_CHARS)
    record = await uow.projects.find(group.id, command.number)
    if record is None:
        return views.no_such_submission(command.number)
    if record.learner_id == snapshot.learner_id:
        return views.own_submission()
    first = await uow.projects.review(record.id, snapshot.learner_id, comment=comment, at=now)
    with call.to_the_group():
        return views.reviewed(record, who.display_name or _("A member"), comment, first=first)


async def leaderboard(call: GroupCall[Leaderboard]) -> Reply:
    """The standings, for the whole chat to see."""
    with call.to_the_group():
        return await _leaderboard(call)


async def _leaderboard(call: GroupCall[Leaderboard]) -> Reply:
    group, today = call.group, call.today
    period = Period.named(call.command.period)
    if period is None:
        return views.leaderboard_usage(call.command.period)
    since, since_at = period_start_instant(group, today, period)
    activity = await call.uow.groups.member_activity(group, since=since, since_at=since_at)
    rows = standings(activity, track=call.track, week_start=since, today=today, now=call.now)
    plan = group_plan(call.track, group, today)
    board = views.leaderboard(plan, call.track, rows, since, period)
    members = [member.membership for member in activity]
    focusing = focusing_line(await focusing_now(call.uow, members, call.now), group.zone)
    return board if focusing is None else replace(board, blocks=(*board.blocks, focusing))
