"""What the coach says about study buddies."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from core.buddies.model import BuddyDay, BuddySharing
from core.kernel import i18n
from core.kernel.commands import Buddy
from core.kernel.i18n import messages
from core.kernel.reply import Block, Button, Heading, Paragraph, Reply

_, n_ = messages("buddies")


def your_buddy(*, opening: bool = True) -> str:
    """The buddy's name when their platform gave none: "Your buddy" to open a sentence,
    "your buddy" within one."""
    return _("Your buddy") if opening else _("your buddy")


def _reply(blocks: Sequence[Block], *paragraphs: str) -> Reply:
    return Reply(blocks=(*blocks, *(Paragraph(p) for p in paragraphs if p)))


def _notes(before: Sequence[str]) -> list[Block]:
    return [Paragraph(note) for note in before]


def in_pool(since: date, *, new: bool, on_break: bool, before: Sequence[str] = ()) -> Reply:
    if on_break:
        text = _(
            "You're in the buddy pool, and on a break: I'll look for a buddy once you /resume."
        )
    elif new:
        text = _(
            "You're in the buddy pool. The next learner at about your week and pace who "
            "asks becomes your buddy; send /buddy again to see who."
        )
    else:
        text = _(
            "Still looking for a learner at about your week and pace (you asked on "
            "{day}). Send /buddy again later to see."
        ).format(day=i18n.day(since))
    return _reply(_notes(before), text, _("/buddy leave takes you out of the pool."))


def day_lines(day: BuddyDay) -> list[str]:
    """The buddy's day, as much of it as they share."""
    name, lines = day.name, []
    if day.sharing.done and day.on_break:
        lines.append(_("{name} is on a break.").format(name=name))
    elif day.sharing.done and day.planned:
        lines.append(
            _("{name}: done {done} of {planned} today.").format(
                name=name, done=i18n.number(day.done), planned=i18n.number(day.planned)
            )
        )
    elif day.studied:
        lines.append(_("{name} studied today.").format(name=name))
    elif day.sharing.done:
        lines.append(_("{name}: nothing planned today.").format(name=name))
    if day.sharing.streak and day.streak:
        lines.append(
            n_(
                "{name}'s streak: {count} day.", "{name}'s streak: {count} days.", day.streak
            ).format(name=name, count=i18n.number(day.streak))
        )
    return lines


def shared_streak_text(days: int) -> str:
    if days:
        return n_(
            "Your shared streak: {count} day on which you both studied.",
            "Your shared streak: {count} days on which you both studied.",
            days,
        ).format(count=i18n.number(days))
    return _("Your shared streak starts on the next day you both study.")


def _buddy_heading(name: str) -> Heading:
    return Heading(_("Your study buddy: {name}").format(name=name))


def paired(day: BuddyDay, shared: int, *, new: bool, before: Sequence[str] = ()) -> Reply:
    blocks = [*_notes(before), _buddy_heading(day.name)]
    if new:
        blocks.append(
            Paragraph(
                _(
                    "You're paired with {name}, a learner at about your week and pace. "
                    "You see each other's day, as much as /buddy share lets."
                ).format(name=day.name)
            )
        )
    lines = day_lines(day)
    if lines:
        blocks.append(Paragraph("\n".join(lines)))
    return _reply(
        blocks,
        shared_streak_text(shared),
        "" if new else _("/buddy share chooses what you show; /buddy leave ends the pairing."),
    )


def buddy_without_track(name: str) -> Reply:
    return _reply(
        [_buddy_heading(name)],
        _("{name} has no track at the moment, so there is no day of theirs to show.").format(
            name=name
        ),
        _("/buddy leave ends the pairing."),
    )


def buddy_left(name: str | None) -> str:
    if not name:
        return _("Your buddy left the pairing.")
    return _("{name} left the pairing.").format(name=name)


def left(name: str | None) -> Reply:
    if name is None:
        return Reply.text(_("You left the buddy pool. /buddy takes you back in."))
    return Reply.text(
        _("You and {name} are no longer buddies; they'll see it next time they look.").format(
            name=name
        ),
        _("/buddy finds you another buddy."),
    )


def not_in_pool() -> Reply:
    return Reply.text(_("You have no buddy and are not in the pool. Send /buddy to pair up."))


def share_first() -> Reply:
    return Reply.text(
        _("Send /buddy first to pair up; then /buddy share chooses what your buddy sees.")
    )


def _shown(on: bool) -> str:
    return _("shared") if on else _("private")


def _sharing_button(key: str, on: bool) -> Button:
    """The button that flips one switch of /buddy share."""
    match key, on:
        case "done", True:
            label = _("Hide items done today")
        case "done", False:
            label = _("Share items done today")
        case "streak", True:
            label = _("Hide streak")
        case _:
            label = _("Share streak")
    return Button(label, Buddy(f"share {key} {'off' if on else 'on'}").as_action())


def sharing(share: BuddySharing) -> Reply:
    lines = [
        _("Items done today: {state}").format(state=_shown(share.done)),
        _("Streak: {state}").format(state=_shown(share.streak)),
        _("Whether you studied today: shared (your shared streak is made of it)"),
    ]
    return Reply(
        blocks=(
            Heading(_("What your buddy sees")),
            Paragraph("\n".join(lines)),
            Paragraph(
                _(
                    "Change it with /buddy share done off, /buddy share streak on, "
                    "or /buddy share all off."
                )
            ),
        ),
        buttons=(tuple(_sharing_button(key, getattr(share, key)) for key in ("done", "streak")),),
    )


def usage() -> Reply:
    return Reply.text(
        _(
            "/buddy pairs you with a learner at about your week and pace, or shows your "
            "buddy's day; /buddy leave ends it; /buddy share shows what your buddy sees, and "
            "/buddy share done off, /buddy share streak on or /buddy share all off changes it."
        )
    )


def evening_line(name: str, shared: int) -> str:
    if shared:
        return n_(
            "{name} studied today: your shared streak of {count} day needs you too.",
            "{name} studied today: your shared streak of {count} days needs you too.",
            shared,
        ).format(name=name, count=i18n.number(shared))
    return _("{name} studied today: study too and your shared streak begins.").format(name=name)
