"""What the coach says about itself: help, and what it answers to input it cannot take."""

from __future__ import annotations

from core.kernel.commands import MAX_MESSAGE_CHARS, Unparsed
from core.kernel.reply import Heading, Paragraph, Reply
from core.learning.tracks import BUILTIN_TRACK_ID


def help_text() -> Reply:
    return Reply(
        blocks=(
            Heading("What I understand"),
            Paragraph(
                "/start – begin (or see where you are)\n"
                "/today – today's items, anything overdue, or a rest day\n"
                "/done – tick the next item; /done 3 ticks item 3; /done yesterday credits yesterday\n"
                "/undo – take back the last tick\n"
                "/week – the whole week with goal and project; /week 5 shows week 5\n"
                "/progress – streak, weeks done, hours against your pace\n"
                "/log 1.5 – log study hours (also 45m, 1h30m)\n"
                "/note text – a reflection note for this week; /note 3 text – a note on item 3\n"
                "/settings – time zone, nudge time, study days, pace, track\n"
                "/pause, /resume – take a break without losing your streak\n"
                "/quiz – a question on this week and the ones before\n"
                "/import – follow your own Markdown roadmap (send the .md file, or /import and a link)\n"
                "/choose – pick an option where your roadmap says choose one\n"
                "/link – one progress on Telegram, Discord and the console\n"
                "/join, /leaderboard, /submit, /review, /share – in a study group's chat; "
                "an admin starts one there with /group setup\n"
                "/plan – when you finish as planned, and at the pace you keep\n"
                "/replan – fell behind? stretch the plan, catch up, or skip optional items\n"
                "/focus 25 – a timed study session on today's item, logged as hours\n"
                "/buddy – pair up with a learner at your week and pace\n"
                "/calendar – your coming study days as a file for your calendar\n"
                "/export – all your data as JSON; /forget – delete it all"
            ),
        )
    )


def hint() -> Reply:
    return Reply.text("I answer to commands: try /today, /done or /help.")


def unknown_command(word: str) -> Reply:
    return Reply.text(f"I do not know /{word[:40]}. Send /help to see what I can do.")


def apology() -> Reply:
    return Reply.text(
        "Sorry, something went wrong on my side and nothing was changed.",
        "Please try again in a moment.",
    )


def unparsed(parsed: Unparsed) -> Reply:
    if parsed.reason == "too_long":
        return Reply.text(
            f"That message is longer than {MAX_MESSAGE_CHARS:,} characters, so I did not read it.",
            "Commands are short: /help lists them.",
        )
    if parsed.reason == "unknown_command":
        return unknown_command(parsed.word)
    return hint()


def answered_in_private(name: str, private_chat: str) -> Reply:
    where = f"open {private_chat}" if private_chat else "open a private chat with me"
    return Reply.text(
        f"/{name} shows what only you should see, so I answer it in a private chat: "
        f"{where} and send it there."
    )


def track_gone() -> Reply:
    return Reply.text(
        "The track you were on is no longer available.",
        "Pick another with /settings track " + BUILTIN_TRACK_ID,
    )


def nothing_to_forget() -> Reply:
    return Reply.text("I have no data about you. Send /start to begin.")


def not_your_button() -> Reply:
    return Reply.text("This button belongs to someone else. Send /today for your own.")
