"""What the coach says about accounts: linking, export and forgetting."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from core.accounts.linking import platform_name, platforms_text
from core.kernel.refs import LearnerRef
from core.kernel.reply import (
    Block,
    Button,
    Paragraph,
    Reply,
)
from core.learning.views import plural


def export_blocks(accounts: Sequence[LearnerRef] = ()) -> tuple[Block, ...]:
    blocks: list[Block] = [Paragraph("Here is everything I keep about you, as JSON.")]
    if len(accounts) > 1:
        blocks.append(
            Paragraph(
                "Linked accounts: "
                + ", ".join(
                    f"{platform_name(a.platform)} ({a.display_name or a.external_id})"
                    for a in accounts
                )
                + "."
            )
        )
    return tuple(blocks)


def forget_question(confirm_action: str, cancel_action: str) -> Reply:
    return Reply.text(
        "This deletes your progress, hours, notes and settings on every platform. It cannot be undone.",
        "You can /export a copy first. Delete everything?",
        buttons=(
            (
                Button("Yes, delete everything", confirm_action),
                Button("Cancel", cancel_action),
            ),
        ),
    )


def forgotten() -> Reply:
    return Reply.text(
        "Done: everything I kept about you is deleted.", "Send /start to begin afresh."
    )


def forget_kept() -> Reply:
    return Reply.text("Kept. Nothing was deleted.")


def forget_needs_the_button() -> Reply:
    return Reply.text(
        "Nothing was deleted: deleting everything takes the button under the question /forget asks.",
        "Send /forget to start again.",
    )


def forget_not_confirmed(valid_for: timedelta) -> Reply:
    minutes = int(valid_for.total_seconds() // 60)
    return Reply.text(
        "Nothing was deleted: that button has expired or was used already "
        f"(each works once, for {minutes} minutes, and only the latest one).",
        "Send /forget to start again.",
    )


def link_code(code: str, platform: str, valid_for: timedelta) -> Reply:
    minutes = int(valid_for.total_seconds() // 60)
    return Reply.text(
        f"Your link code: {code}",
        f"On the other app, send /link {code} within {minutes} minutes. "
        f"The code works once; your settings from {platform_name(platform)} are the ones kept, "
        "and progress from both sides is combined.",
    )


def link_code_malformed() -> Reply:
    return Reply.text(
        "That does not look like a link code: codes have 6 letters and digits, like ABC234.",
        "Send /link on the app you already use to get one.",
    )


def link_code_unknown(tries_left: int | None) -> Reply:
    """`tries_left`: how many more wrong codes this account may send before a wait."""
    left = {None: "", 0: " (and that was the last try for now)", 1: " (1 more try)"}.get(
        tries_left, f" ({tries_left} more tries)"
    )
    return Reply.text(
        f"That code does not work{left}: codes work once, for 10 minutes.",
        "Check it, or send /link on the other app for a fresh one. Nothing was changed.",
    )


def link_locked(wait: timedelta) -> Reply:
    minutes = max(1, -(-int(wait.total_seconds()) // 60))
    return Reply.text(
        "Too many codes that did not work.",
        f"Try again in {plural(minutes, 'minute')}. Nothing was changed.",
    )


def link_own_code() -> Reply:
    return Reply.text(
        "That is the code for this account.",
        "Send it from the other app you want to link, not from here.",
    )


def already_linked() -> Reply:
    return Reply.text("These accounts are already linked: they share one progress.")


def link_same_platform(platform: str) -> Reply:
    return Reply.text(
        f"Both accounts have a {platform} side, and one learner can have only one {platform} account.",
        "This is probably the wrong account. Nothing was changed.",
    )


def linked(
    platforms: Sequence[str], issued_on: str, *, merged_items: int, kept_settings: bool
) -> Reply:
    together = platforms_text(platforms)
    lines = [f"Linked: {together[0].upper()}{together[1:]} now share one progress."]
    issuer = platform_name(issued_on)
    if kept_settings:
        lines.append(f"Kept: your settings from {issuer}.")
    else:
        lines.append(f"Kept: your settings from here, as {issuer} had not started a track.")
    if merged_items:
        lines.append(f"Merged {plural(merged_items, 'done item')} from here.")
    lines.append("/today shows the same plan wherever you ask.")
    return Reply.text(*lines)
