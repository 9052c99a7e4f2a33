"""What the coach says about importing a roadmap."""

from __future__ import annotations

import math

from core.kernel.commands import Import, Settings, Start
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
from core.learning.tracks import Track, Week


def import_usage() -> Reply:
    return Reply.text(
        "Send your roadmap as a Markdown file (.md), or /import and a link to one "
        "(a GitHub file link works), and I will turn it into a track you can follow.",
        "In the terminal: /import path/to/roadmap.md",
    )


def links_unavailable() -> Reply:
    return Reply.text(
        "I cannot fetch links here. Send the roadmap as a Markdown file (.md) instead; "
        "nothing was saved."
    )


def _duration(track: Track, pace: Pace) -> str:
    weeks = math.ceil(len(track.weeks) * pace.profile.days_per_track_week / 7)
    if weeks < 10:
        return f"{weeks} week{'s' * (weeks != 1)}"
    return f"about {round(weeks / 4.35)} months"


def _start_buttons(track: Track, *, enrolled: bool) -> tuple[tuple[Button, ...], ...]:
    """A button per pace, each starting (or switching to) the track at that pace."""
    row = tuple(
        Button(
            f"Start: {pace.profile.label.lower()}",
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
    return "Paces: " + "; ".join(
        f"{pace.profile.label.lower()} {pace.profile.hours_text}, {_duration(track, pace)}"
        for pace in Pace
    )


def import_preview(
    preview_text: str, track: Track, *, enrolled: bool, made_room: OwnTrack | None = None
) -> Reply:
    blocks: list[Block] = [
        Heading("Your roadmap, read as a track"),
        Preformatted(preview_text),
        Paragraph(_pace_text(track) + "."),
        Paragraph(
            "Start it at the pace you like"
            + (" (your current progress is kept and you can switch back)" if enrolled else "")
            + ". Rename it first with /import name and a new title."
        ),
    ]
    if made_room is not None:
        blocks.append(
            Paragraph(
                f"To make room I removed your oldest roadmap nobody follows, “{made_room.title}”."
            )
        )
    return Reply(blocks=tuple(blocks), buttons=_before_starting(track, enrolled=enrolled))


def _week_button(track: Track, number: int, label: str) -> Button:
    return Button(label, Import(f"week {track.id} {number}").as_action())


def _before_starting(track: Track, *, enrolled: bool) -> tuple[tuple[Button, ...], ...]:
    """A start button per pace, and one to see week 1 first."""
    return (*_start_buttons(track, enrolled=enrolled), (_week_button(track, 1, "See week 1"),))


def roadmap_week(track: Track, week: Week, *, enrolled: bool) -> Reply:
    """A week of a roadmap not yet followed, to see before starting it."""
    blocks: list[Block] = [
        Heading(f"{track.title}, week {week.number} of {len(track.weeks)}: {week.title}")
    ]
    if week.goal:
        blocks.append(Paragraph(f"Goal: {week.goal}"))
    blocks.append(
        Checklist(
            tuple(
                CheckItem(f"{number}. {item.title}", False, item.kind.value)
                for number, item in enumerate(week.items, start=1)
            )
        )
    )
    pages = tuple(
        _week_button(track, number, f"Week {number}")
        for number in (week.number - 1, week.number + 1)
        if 1 <= number <= len(track.weeks)
    )
    buttons = _start_buttons(track, enrolled=enrolled)
    return Reply(blocks=tuple(blocks), buttons=(*buttons, pages) if pages else buttons)


def roadmap_gone() -> Reply:
    return Reply.text("That roadmap is not there any more. /import shows how to send it again.")


def too_many_roadmaps(most: int) -> Reply:
    return Reply.text(
        f"You already keep {most} roadmaps of your own, and you follow every one of them. "
        "Nothing was saved.",
        "Finish or leave one (/settings track switches), or share this roadmap with the coach's operator.",
    )


def rename_usage() -> Reply:
    return Reply.text(
        "Give the new title after the command, like /import name Python in six months. "
        "It renames the roadmap you imported last."
    )


def name_too_long(most: int) -> Reply:
    return Reply.text(f"A title can be up to {most} characters. Nothing was renamed.")


def nothing_to_rename() -> Reply:
    return Reply.text("You have not imported a roadmap yet, so there is nothing to rename.")


def rename_after_start(title: str) -> Reply:
    return Reply.text(
        f"“{shortened(title, 60)}” is already followed, so it keeps its name. Nothing was renamed."
    )


def renamed(old_title: str, track: Track, *, enrolled: bool) -> Reply:
    return Reply(
        blocks=(Paragraph(f"“{shortened(old_title, 60)}” is now called “{track.title}”."),),
        buttons=_before_starting(track, enrolled=enrolled),
    )
