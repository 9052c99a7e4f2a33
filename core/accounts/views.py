"""What the coach says about accounts: linking, export and forgetting."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from core.accounts.linking import (
    CODE_LENGTH,
    CODE_TTL,
    platform_name,
    platforms_text,
)
from core.kernel import i18n
from core.kernel.i18n import messages, one_after_another
from core.kernel.refs import LearnerRef
from core.kernel.reply import (
    Block,
    Button,
    Paragraph,
    Reply,
)

_, n_ = messages("accounts")


def _minutes(span: timedelta) -> int:
    return int(span.total_seconds() // 60)


def export_blocks(accounts: Sequence[LearnerRef] = ()) -> tuple[Block, ...]:
    blocks: list[Block] = [Paragraph(_("Here is everything I keep about you, as JSON."))]
    if len(accounts) > 1:
        names = [
            _("{platform} ({name})").format(
                platform=platform_name(a.platform), name=a.display_name or a.external_id
            )
            for a in accounts
        ]
        blocks.append(
            Paragraph(_("Linked accounts: {accounts}.").format(accounts=one_after_another(names)))
        )
    return tuple(blocks)


def forget_question(confirm_action: str, cancel_action: str) -> Reply:
    return Reply.text(
        _(
            "This deletes your progress, hours, notes and settings on every platform. "
            "It cannot be undone."
        ),
        _("You can /export a copy first. Delete everything?"),
        buttons=(
            (
                Button(_("Yes, delete everything"), confirm_action),
                Button(_("Cancel"), cancel_action),
            ),
        ),
    )


def forgotten() -> Reply:
    return Reply.text(
        _("Done: everything I kept about you is deleted."), _("Send /start to begin afresh.")
    )


def forget_kept() -> Reply:
    return Reply.text(_("Kept. Nothing was deleted."))


def forget_needs_the_button() -> Reply:
    return Reply.text(
        _(
            "Nothing was deleted: deleting everything takes the button under the question "
            "/forget asks."
        ),
        _("Send /forget to start again."),
    )


def forget_not_confirmed(valid_for: timedelta) -> Reply:
    minutes = _minutes(valid_for)
    return Reply.text(
        n_(
            "Nothing was deleted: that button has expired or was used already (each works "
            "once, for {count} minute, and only the latest one).",
            "Nothing was deleted: that button has expired or was used already (each works "
            "once, for {count} minutes, and only the latest one).",
            minutes,
        ).format(count=i18n.number(minutes)),
        _("Send /forget to start again."),
    )


def link_code(code: str, platform: str, valid_for: timedelta) -> Reply:
    minutes = _minutes(valid_for)
    return Reply.text(
        _("Your link code: {code}").format(code=code),
        n_(
            "On the other app, send /link {code} within {count} minute. The code works once; "
            "your settings from {platform} are the ones kept, and progress from both sides "
            "is combined.",
            "On the other app, send /link {code} within {count} minutes. The code works once; "
            "your settings from {platform} are the ones kept, and progress from both sides "
            "is combined.",
            minutes,
        ).format(code=code, count=i18n.number(minutes), platform=platform_name(platform)),
    )


def link_code_malformed() -> Reply:
    return Reply.text(
        n_(
            "That does not look like a link code: codes have {count} letter or digit, like ABC234.",
            "That does not look like a link code: codes have {count} letters and digits, "
            "like ABC234.",
            CODE_LENGTH,
        ).format(count=i18n.number(CODE_LENGTH)),
        _("Send /link on the app you already use to get one."),
    )


def link_code_unknown(tries_left: int | None) -> Reply:
    """`tries_left`: how many more wrong codes this account may send before a wait."""
    minutes = _minutes(CODE_TTL)
    if tries_left is None:
        said = n_(
            "That code does not work: codes work once, for {minutes} minute.",
            "That code does not work: codes work once, for {minutes} minutes.",
            minutes,
        )
    elif tries_left == 0:
        said = n_(
            "That code does not work (and that was the last try for now): codes work once, "
            "for {minutes} minute.",
            "That code does not work (and that was the last try for now): codes work once, "
            "for {minutes} minutes.",
            minutes,
        )
    else:
        said = n_(
            "That code does not work ({tries}): codes work once, for {minutes} minute.",
            "That code does not work ({tries}): codes work once, for {minutes} minutes.",
            minutes,
        )
    tries = n_("{count} more try", "{count} more tries", tries_left or 0)
    return Reply.text(
        said.format(
            minutes=i18n.number(minutes), tries=tries.format(count=i18n.number(tries_left or 0))
        ),
        _("Check it, or send /link on the other app for a fresh one. Nothing was changed."),
    )


def link_locked(wait: timedelta) -> Reply:
    minutes = max(1, -(-int(wait.total_seconds()) // 60))
    return Reply.text(
        _("Too many codes that did not work."),
        n_(
            "Try again in {count} minute. Nothing was changed.",
            "Try again in {count} minutes. Nothing was changed.",
            minutes,
        ).format(count=i18n.number(minutes)),
    )


def link_own_code() -> Reply:
    return Reply.text(
        _("That is the code for this account."),
        _("Send it from the other app you want to link, not from here."),
    )


def already_linked() -> Reply:
    return Reply.text(_("These accounts are already linked: they share one progress."))


def link_same_platform(platform: str) -> Reply:
    return Reply.text(
        _(
            "Both accounts have a {platform} side, and one learner can have only one "
            "{platform} account."
        ).format(platform=platform),
        _("This is probably the wrong account. Nothing was changed."),
    )


def linked(
    platforms: Sequence[str], issued_on: str, *, merged_items: int, kept_settings: bool
) -> Reply:
    lines = [
        _("Linked: {platforms} now share one progress.").format(platforms=platforms_text(platforms))
    ]
    issuer = platform_name(issued_on)
    if kept_settings:
        lines.append(_("Kept: your settings from {platform}.").format(platform=issuer))
    else:
        lines.append(
            _("Kept: your settings from here, as {platform} had not started a track.").format(
                platform=issuer
            )
        )
    if merged_items:
        lines.append(
            n_(
                "Merged {count} done item from here.",
                "Merged {count} done items from here.",
                merged_items,
            ).format(count=i18n.number(merged_items))
        )
    lines.append(_("/today shows the same plan wherever you ask."))
    return Reply.text(*lines)
