"""What the coach says about importing a roadmap."""

from __future__ import annotations

import math

from core.kernel import i18n
from core.kernel.commands import Import, Settings, Start
from core.kernel.i18n import messages
from core.kernel.reply import (
    Block,
    Button,
    CheckItem,
    Checklist,
    Heading,
    Paragraph,
    Preformatted,
    Reply,
    shortened,
)
from core.learning.model import OwnTrack
from core.learning.pace import Pace
from core.learning.tracks import ItemKind, Track, Week
from core.learning.views import semicolon_listed

_, n_ = messages("importing")


def import_usage() -> Reply:
    return Reply.text(
        _(
            "Send your roadmap as a Markdown file (.md), or /import and a link to one "
            "(a GitHub file link works), and I will turn it into a track you can follow."
        ),
        _("In the terminal: /import path/to/roadmap.md"),
    )


def links_unavailable() -> Reply:
    return Reply.text(
        _(
            "I cannot fetch links here. Send the roadmap as a Markdown file (.md) instead; "
            "nothing was saved."
        )
    )


def _duration(track: Track, pace: Pace) -> str:
    weeks = math.ceil(len(track.weeks) * pace.profile.days_per_track_week / 7)
    if weeks < 10:
        return n_("{count} week", "{count} weeks", weeks).format(count=i18n.number(weeks))
    months = round(weeks / 4.35)
    return n_("about {count} month", "about {count} months", months).format(
        count=i18n.number(months)
    )


def _start_buttons(track: Track, *, enrolled: bool) -> tuple[tuple[Button, ...], ...]:
    """A button per pace, each starting (or switching to) the track at that pace."""
    row = tuple(
        Button(
            _("Start: {pace}").format(pace=pace.profile.label.lower()),
            (
                Settings("track", f"{track.id} {pace.value}")
                if enrolled
                else Start(track.id, pace.value)
            ).as_action(),
        )
        for pace in Pace
    )
    return (row,)


def _pace_text(track: Track) -> str:
    paces = semicolon_listed(
        _("{pace} {hours}, {duration}").format(
            pace=pace.profile.label.lower(),
            hours=pace.profile.hours_text,
            duration=_duration(track, pace),
        )
        for pace in Pace
    )
    return _("Paces: {paces}.").format(paces=paces)


def import_preview(
    preview_text: str, track: Track, *, enrolled: bool, made_room: OwnTrack | None = None
) -> Reply:
    if enrolled:
        start = _(
            "Start it at the pace you like (your current progress is kept and you can switch "
            "back). Rename it first with /import name and a new title."
        )
    else:
        start = _(
            "Start it at the pace you like. Rename it first with /import name and a new title."
        )
    blocks: list[Block] = [
        Heading(_("Your roadmap, read as a track")),
        Preformatted(preview_text),
        Paragraph(_pace_text(track)),
        Paragraph(start),
    ]
    if made_room is not None:
        blocks.append(
            Paragraph(
                _("To make room I removed your oldest roadmap nobody follows, “{title}”.").format(
                    title=made_room.title
                )
            )
        )
    return Reply(blocks=tuple(blocks), buttons=_before_starting(track, enrolled=enrolled))


def _week_button(track: Track, number: int, label: str) -> Button:
    return Button(label, Import(f"week {track.id} {number}").as_action())


def _before_starting(track: Track, *, enrolled: bool) -> tuple[tuple[Button, ...], ...]:
    """A start button per pace, and one to see week 1 first."""
    first = _week_button(track, 1, _("See week {number}").format(number=i18n.number(1)))
    return (*_start_buttons(track, enrolled=enrolled), (first,))


def _kind(kind: ItemKind) -> str:
    """What an item of a roadmap's week is for, as its line in the week says."""
    match kind:
        case ItemKind.LEARN:
            return _("learn")
        case ItemKind.PRACTICE:
            return _("practice")
        case ItemKind.BUILD:
            return _("build")
        case ItemKind.REVIEW:
            return _("review")


def roadmap_week(track: Track, week: Week, *, enrolled: bool) -> Reply:
    """A week of a roadmap not yet followed, to see before starting it."""
    heading = _("{track}, week {number} of {total}: {week}").format(
        track=track.title,
        number=i18n.number(week.number),
        total=i18n.number(len(track.weeks)),
        week=week.title,
    )
    blocks: list[Block] = [Heading(heading)]
    if week.goal:
        blocks.append(Paragraph(_("Goal: {goal}").format(goal=week.goal)))
    blocks.append(
        Checklist(
            tuple(
                CheckItem(f"{i18n.number(number)}. {item.title}", False, _kind(item.kind))
                for number, item in enumerate(week.items, start=1)
            )
        )
    )
    pages = tuple(
        _week_button(track, number, _("Week {number}").format(number=i18n.number(number)))
        for number in (week.number - 1, week.number + 1)
        if 1 <= number <= len(track.weeks)
    )
    buttons = _start_buttons(track, enrolled=enrolled)
    return Reply(blocks=tuple(blocks), buttons=(*buttons, pages) if pages else buttons)


def roadmap_gone() -> Reply:
    return Reply.text(_("That roadmap is not there any more. /import shows how to send it again."))


def too_many_roadmaps(most: int) -> Reply:
    return Reply.text(
        n_(
            "You already keep {count} roadmap of your own, and you follow it. Nothing was saved.",
            "You already keep {count} roadmaps of your own, and you follow every one of them. "
            "Nothing was saved.",
            most,
        ).format(count=i18n.number(most)),
        _(
            "Finish or leave one (/settings track switches), or share this roadmap with the "
            "coach's operator."
        ),
    )


def rename_usage() -> Reply:
    return Reply.text(
        _(
            "Give the new title after the command, like /import name Python in six months. "
            "It renames the roadmap you imported last."
        )
    )


def name_too_long(most: int) -> Reply:
    return Reply.text(
        n_(
            "A title can be up to {count} character. Nothing was renamed.",
            "A title can be up to {count} characters. Nothing was renamed.",
            most,
        ).format(count=i18n.number(most))
    )


def nothing_to_rename() -> Reply:
    return Reply.text(_("You have not imported a roadmap yet, so there is nothing to rename."))


def rename_after_start(title: str) -> Reply:
    return Reply.text(
        _("“{title}” is already followed, so it keeps its name. Nothing was renamed.").format(
            title=shortened(title, 60)
        )
    )


def renamed(old_title: str, track: Track, *, enrolled: bool) -> Reply:
    said = _("“{old}” is now called “{new}”.").format(old=shortened(old_title, 60), new=track.title)
    return Reply(blocks=(Paragraph(said),), buttons=_before_starting(track, enrolled=enrolled))
