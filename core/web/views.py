"""What the web view says: its labels, and the chat's answer to /web."""

from __future__ import annotations

from core.kernel import i18n
from core.kernel.i18n import messages
from core.kernel.reply import Paragraph, Reply, WebLink

_, n_ = messages("web")


def page_words() -> dict[str, str]:
    """The labels of the learner's page, in the language spoken."""
    return {
        "title": _("Your roadmap"),
        "week": _("Week {number}"),
        "done": _("done"),
        "current": _("this week"),
        "ahead": _("ahead"),
        "tick": _("Done"),
        "undo": _("Take back the last tick: {title}"),
        "untick": _("Take back"),
        "optional": _("optional"),
        "due": _("due {day}"),
        "note": _("Your note: {note}"),
        "goal": _("Goal: {goal}"),
        "resources": _("Resources"),
        "sign_out": _("Sign out"),
        "progress": _("{done} of {total} done this week"),
        "settings": _("Settings"),
        "tz": _("Time zone"),
        "time": _("Daily plan at"),
        "evening": _("Evening check-in at"),
        "days": _("Study days (mon-fri, or mon,wed,fri)"),
        "quiz": _("Quiz days, or off"),
        "quiet": _("Quiet hours (22:00-07:00), or off"),
        "pace": _("Pace"),
        "language": _("Language"),
        "save": _("Save settings"),
        "export": _("Download all my data (JSON)"),
        "path": _("The roadmap, week by week"),
        "groups": _("My study groups"),
        "calendar": _("Your study days, the last 12 weeks"),
        "day": _("{day}: {items} done, {hours} h"),
        "burn_up": burn_up_title(),
        "burn_up_summary": _("{done} of {total} items done; as planned you finish on {planned}."),
        "burn_up_kept": _("At the pace you keep, on {projected}."),
    }


def no_track_words() -> dict[str, str]:
    """The labels of the page of someone with no track yet."""
    return {
        "title": _("Your study groups"),
        "no_track": _("You have no roadmap yet: send /start in the chat to pick one."),
        "groups": _("Groups you are in or run"),
        "no_groups": _("No study groups yet: an admin sends /group setup in a group's chat."),
        "sign_out": _("Sign out"),
    }


def burn_up_title() -> str:
    return _("Planned and done")


def link(url: str, mini_app: str | None = None) -> Reply:
    """The one-time link, and a button to it; on Telegram with an https address, the
    button opens the page inside the app instead (`mini_app`), signed in by Telegram."""
    button = WebLink(_("Open my roadmap"), mini_app or url, mini_app=mini_app is not None)
    return Reply(
        link=button,
        blocks=(
            Paragraph(_("Your roadmap on a web page: {link}").format(link=url)),
            Paragraph(
                _(
                    "The link signs you in once and works for 10 minutes; send /web for a "
                    "new one. Keep it to yourself: it opens your page."
                )
            ),
        ),
    )


def not_served() -> Reply:
    return Reply.text(_("The web view is not switched on for this coach."))


def not_signed_in_page() -> dict[str, str]:
    return {
        "title": _("Signed out"),
        "text": _("You are not signed in. Send /web in the chat for a link to your page."),
    }


def signed_out_page() -> dict[str, str]:
    return {
        "title": _("Signed out"),
        "text": _(
            "This link was used already or has expired. Send /web in the chat for a new one."
        ),
    }


def form_out_of_date() -> str:
    return _("This page is out of date: reload it and try again. Nothing was changed.")


def group_words() -> dict[str, str]:
    """The labels of a study group's page, in the language spoken."""
    return {
        "week": _("Week {number}"),
        "standings": _("This week's standings"),
        "member": _("Member"),
        "done": _("Items done"),
        "quiz": _("Right quiz answers"),
        "streak": _("Streak"),
        "private": _("not shared"),
        "you": _("you"),
        "schedule": _("Schedule"),
        "group_week": _("The group's week"),
        "back": _("Back to my page"),
        "groups": _("My study groups"),
        "set_tz": _("The group's time zone"),
        "set_time": _("Daily digest at"),
        "set_report": _("Weekly report at"),
        "set_days": _("Study days (mon-fri, or mon,wed,fri)"),
        "set_quiz": _("Group quiz days, or off"),
        "set_language": _("The language of the group's posts"),
        "save_schedule": _("Change the schedule (the group is told)"),
        "quizzes": _("Group quizzes"),
        "quiz_result": _("{day}: {right} of {answered} answered right"),
        "submissions": _("Projects shared with the group"),
        "submission": _("#{number} by {author}, week {week}"),
        "review": _("{reviewer}: {comment}"),
        "former_member": _("a former member"),
        "no_reviews": _("No reviews yet: /review {number} and a comment, in the group's chat."),
    }


def unnamed_group() -> str:
    return _("A study group")


def not_a_member() -> dict[str, str]:
    return {
        "title": _("Not your group"),
        "text": _(
            "This page is for the group's members and admins. Send /join in the group's chat."
        ),
    }


def mini_app_words() -> dict[str, dict[str, str]]:
    """What the Mini App's page may have to say before anyone is signed in, in every
    language: its script picks the one Telegram says the user's app is in."""
    said = {}
    for code in i18n.LANGUAGES:
        with i18n.speaking(code):
            said[code] = {
                "outside": _("Open this page from the coach's button in Telegram."),
                "refused": _("Telegram could not sign you in. Send /web in the chat."),
            }
    return said
