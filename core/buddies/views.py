"""What the coach says about study buddies."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from core.buddies.model import BuddyDay, BuddySharing
from core.kernel.commands import Buddy
from core.kernel.reply import Block, Button, Heading, Paragraph, Reply
from core.learning.views import day_text, plural

# The shareable parts, by the word `/buddy share` takes for each.
SHARING_WORDS = {"done": "items done today", "streak": "streak"}


def _reply(blocks: Sequence[Block], *paragraphs: str) -> Reply:
    return Reply(blocks=(*blocks, *(Paragraph(p) for p in paragraphs if p)))


def _notes(before: Sequence[str]) -> list[Block]:
    return [Paragraph(note) for note in before]


def in_pool(since: date, *, new: bool, on_break: bool, before: Sequence[str] = ()) -> Reply:
    if on_break:
        text = "You're in the buddy pool, and on a break: I'll look for a buddy once you /resume."
    elif new:
        text = (
            "You're in the buddy pool. The next learner at about your week and pace who "
            "asks becomes your buddy; send /buddy again to see who."
        )
    else:
        text = (
            f"Still looking for a learner at about your week and pace (you asked on "
            f"{day_text(since)}). Send /buddy again later to see."
        )
    return _reply(_notes(before), text, "/buddy leave takes you out of the pool.")


def day_lines(day: BuddyDay) -> list[str]:
    """The buddy's day, as much of it as they share."""
    name, lines = day.name, []
    if day.sharing.done:
        if day.on_break:
            lines.append(f"{name} is on a break.")
        elif day.planned:
            lines.append(f"{name}: done {day.done} of {day.planned} today.")
        elif day.studied:
            lines.append(f"{name} studied today.")
        else:
            lines.append(f"{name}: nothing planned today.")
    elif day.studied:
        lines.append(f"{name} studied today.")
    if day.sharing.streak and day.streak:
        lines.append(f"{name}'s streak: {plural(day.streak, 'day')}.")
    return lines


def shared_streak_text(days: int) -> str:
    if days:
        return f"Your shared streak: {plural(days, 'day')} on which you both studied."
    return "Your shared streak starts on the next day you both study."


def paired(day: BuddyDay, shared: int, *, new: bool, before: Sequence[str] = ()) -> Reply:
    blocks = [*_notes(before), Heading(f"Your study buddy: {day.name}")]
    if new:
        blocks.append(
            Paragraph(
                f"You're paired with {day.name}, a learner at about your week and pace. "
                "You see each other's day, as much as /buddy share lets."
            )
        )
    lines = day_lines(day)
    if lines:
        blocks.append(Paragraph("\n".join(lines)))
    return _reply(
        blocks,
        shared_streak_text(shared),
        "" if new else "/buddy share chooses what you show; /buddy leave ends the pairing.",
    )


def buddy_without_track(name: str) -> Reply:
    return _reply(
        [Heading(f"Your study buddy: {name}")],
        f"{name} has no track at the moment, so there is no day of theirs to show.",
        "/buddy leave ends the pairing.",
    )


def buddy_left(name: str | None) -> str:
    return f"{name or 'Your buddy'} left the pairing."


def left(name: str | None) -> Reply:
    if name is None:
        return Reply.text("You left the buddy pool. /buddy takes you back in.")
    return Reply.text(
        f"You and {name} are no longer buddies; they'll see it next time they look.",
        "/buddy finds you another buddy.",
    )


def not_in_pool() -> Reply:
    return Reply.text("You have no buddy and are not in the pool. Send /buddy to pair up.")


def share_first() -> Reply:
    return Reply.text(
        "Send /buddy first to pair up; then /buddy share chooses what your buddy sees."
    )


def sharing(share: BuddySharing) -> Reply:
    def state(on: bool) -> str:
        return "shared" if on else "private"

    lines = [
        f"Items done today: {state(share.done)}",
        f"Streak: {state(share.streak)}",
        "Whether you studied today: shared (your shared streak is made of it)",
    ]
    return Reply(
        blocks=(
            Heading("What your buddy sees"),
            Paragraph("\n".join(lines)),
            Paragraph(
                "Change it with /buddy share done off, /buddy share streak on, "
                "or /buddy share all off."
            ),
        ),
        buttons=(
            tuple(
                Button(
                    f"{'Hide' if getattr(share, key) else 'Share'} {word}",
                    Buddy(f"share {key} {'off' if getattr(share, key) else 'on'}").as_action(),
                )
                for key, word in SHARING_WORDS.items()
            ),
        ),
    )


def usage() -> Reply:
    return Reply.text(
        "/buddy pairs you with a learner at about your week and pace, or shows your "
        "buddy's day; /buddy leave ends it; /buddy share shows what your buddy sees, and "
        "/buddy share done off, /buddy share streak on or /buddy share all off changes it."
    )


def evening_line(name: str, shared: int) -> str:
    if shared:
        return f"{name} studied today: your shared streak of {plural(shared, 'day')} needs you too."
    return f"{name} studied today: study too and your shared streak begins."
