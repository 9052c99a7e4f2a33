"""What the coach says about itself: help, and what it answers to input it cannot take."""

from __future__ import annotations

from core.kernel import i18n
from core.kernel.commands import MAX_MESSAGE_CHARS, Unparsed
from core.kernel.i18n import messages
from core.kernel.reply import Heading, Paragraph, Reply
from core.learning.tracks import BUILTIN_TRACK_ID

_, n_ = messages("app")


def _commands() -> tuple[str, ...]:
    """A line for each command, said in the language spoken; the commands stay as typed."""
    return (
        _("/start – begin (or see where you are)"),
        _("/today – today's items, anything overdue, or a rest day"),
        _("/done – tick the next item; /done 3 ticks item 3; /done yesterday credits yesterday"),
        _("/undo – take back the last tick; /undo 3 takes back item 3"),
        _("/week – the whole week with goal and project; /week 5 shows week 5"),
        _("/progress – streak, weeks done, hours against your pace"),
        _("/log 1.5 – log study hours (also 45m, 1h30m)"),
        _("/note text – a reflection note for this week; /note 3 text – a note on item 3"),
        _("/settings – time zone, nudge time, study days, pace, track"),
        _("/pause, /resume – take a break without losing your streak"),
        _("/quiz – a question on this week and the ones before"),
        _("/import – follow your own Markdown roadmap (send the .md file, or /import and a link)"),
        _("/choose – pick an option where your roadmap says choose one"),
        _("/link – one progress on Telegram, Discord and the console"),
        _(
            "/join, /leaderboard, /submit, /review, /share – in a study group's chat; "
            "an admin starts one there with /group setup"
        ),
        _("/plan – when you finish as planned, and at the pace you keep"),
        _("/replan – fell behind? stretch the plan, catch up, or skip optional items"),
        _("/focus 25 – a timed study session on today's item, logged as hours"),
        _("/buddy – pair up with a learner at your week and pace"),
        _("/calendar – your coming study days as a file for your calendar"),
        _("/export – all your data as JSON; /forget – delete it all"),
    )


def help_text() -> Reply:
    return Reply(blocks=(Heading(_("What I understand")), Paragraph("\n".join(_commands()))))


def hint() -> Reply:
    return Reply.text(_("I answer to commands: try /today, /done or /help."))


def unknown_command(word: str) -> Reply:
    return Reply.text(
        _("I do not know /{word}. Send /help to see what I can do.").format(word=word[:40])
    )


def apology() -> Reply:
    return Reply.text(
        _("Sorry, something went wrong on my side and nothing was changed."),
        _("Please try again in a moment."),
    )


def unparsed(parsed: Unparsed) -> Reply:
    if parsed.reason == "too_long":
        return Reply.text(
            _("That message is longer than {most} characters, so I did not read it.").format(
                most=i18n.number(MAX_MESSAGE_CHARS)
            ),
            _("Commands are short: /help lists them."),
        )
    if parsed.reason == "unknown_command":
        return unknown_command(parsed.word)
    return hint()


def answered_in_private(name: str, private_chat: str) -> Reply:
    if private_chat:
        said = _(
            "/{command} shows what only you should see, so I answer it in a private chat: "
            "open {chat} and send it there."
        )
    else:
        said = _(
            "/{command} shows what only you should see, so I answer it in a private chat: "
            "open a private chat with me and send it there."
        )
    return Reply.text(said.format(command=name, chat=private_chat))


def track_gone() -> Reply:
    return Reply.text(
        _("The track you were on is no longer available."),
        _("Pick another with /settings track {track}").format(track=BUILTIN_TRACK_ID),
    )


def nothing_to_forget() -> Reply:
    return Reply.text(_("I have no data about you. Send /start to begin."))


def not_your_button() -> Reply:
    return Reply.text(_("This button belongs to someone else. Send /today for your own."))


# -- what an adapter says of itself, in the language of the learner's app ---------------


def roadmap_too_large() -> Reply:
    return Reply.text(
        _("That file is larger than 1 MB; a roadmap must be under 1 MB of Markdown text."),
        _("Nothing was saved."),
    )


def stale_button() -> Reply:
    return Reply.text(_("That button is from an older version of me. Send /today for fresh ones."))


def group_welcome() -> Reply:
    return Reply.text(
        _(
            "Hello! I can make this chat a study group: an admin sends /group setup, then "
            "everyone who wants to take part sends /join."
        )
    )


def restarting() -> Reply:
    return Reply.text(
        _("I am restarting right now and did not take that. Please send it again in a minute.")
    )


def went_wrong() -> Reply:
    return Reply.text(_("Something went wrong on my side; nothing was lost. Please try again."))


def question_closed() -> Reply:
    return Reply.text(_("This question was answered already, or is not yours to answer."))


def already_done() -> Reply:
    return Reply.text(_("Already done."))
