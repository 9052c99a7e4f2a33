"""The commands the core runs, each a type with its arguments, and turning what a learner
typed, or the button they pressed, into one.

Adapters build a command once: from typed text with `parse`, from a button's action id
with `from_action`, or straight from a platform's typed options (Discord's slash
commands). The core never parses again."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import ClassVar, Self

from core.kernel.i18n import N_, messages

_, n_ = messages("kernel")

MAX_MESSAGE_CHARS = 2000
MAX_ACTION_BYTES = 62  # Telegram allows 64 bytes of callback_data; adapters add a 2-byte prefix

# What each command does, for the platforms' command menus: English, marked for the
# catalog; `description` says one in the language spoken.
DESCRIPTIONS = {
    "start": N_("Begin, or see where you are"),
    "today": N_("Today's items, anything overdue, or a rest day"),
    "done": N_("Tick the next item (or /done 3, /done yesterday)"),
    "undo": N_("Take back the last tick"),
    "week": N_("The whole week: checklist, goal, project (or /week 5)"),
    "progress": N_("Streak, weeks done, hours against your pace"),
    "plan": N_("When you finish as planned, and at the pace you keep"),
    "replan": N_("Fell behind? Stretch the plan, catch up, or skip optional items"),
    "focus": N_("A timed study session on today's item: /focus 25"),
    "buddy": N_("Pair up with a learner at your week and pace"),
    "log": N_("Log study hours, e.g. /log 1.5"),
    "note": N_("A reflection note for this week"),
    "settings": N_("Time zone, nudge time, study days, pace, track"),
    "pause": N_("Take a break without losing your streak"),
    "resume": N_("Pick up after a break"),
    "import": N_("Follow your own Markdown roadmap"),
    "choose": N_("Pick an option where your roadmap says choose one"),
    "quiz": N_("A question on what you studied"),
    "link": N_("Share one progress across Telegram, Discord and the console"),
    "web": N_("Your roadmap on a web page, opened with a one-time link"),
    "calendar": N_("Your coming study days as a calendar file"),
    "export": N_("All your data as JSON"),
    "forget": N_("Delete everything about you"),
    "help": N_("What I understand"),
    "group": N_("Study group: set up (admins) or see its schedule"),
    "join": N_("Join this chat's study group"),
    "leave": N_("Leave this chat's study group"),
    "leaderboard": N_("This week's standings in the group"),
    "submit": N_("Share your practice project with the group"),
    "review": N_("Review a member's project: /review 3 comment"),
    "share": N_("Choose what the group sees of your progress"),
}


def description(name: str) -> str:
    """What the command `name` does, for a command menu, in the language spoken now."""
    return _(DESCRIPTIONS[name])


ALIASES = {
    "t": "today",
    "d": "done",
    "w": "week",
    "p": "progress",
    "h": "help",
    "stats": "progress",
    "lb": "leaderboard",
    "standings": "leaderboard",
    "schedule": "group",  # Discord's name for the members' view of /group
}


class Command:
    """A command as the core runs it; each subclass is a frozen dataclass of its arguments."""

    name: ClassVar[str]
    in_group: ClassVar[bool] = False  # a study group's command, sent in its chat
    private: ClassVar[bool] = False  # its answer is for the sender's eyes only
    read_only: ClassVar[bool] = False  # answering it twice changes nothing, so no claim

    @classmethod
    def from_args(cls, args: str) -> Self:
        """The command from the text after its name; commands without arguments ignore it."""
        return cls()

    def args_text(self) -> str:
        """The arguments as `from_args` reads them back."""
        return ""

    def as_action(self) -> str:
        """The payload of a button that runs this command."""
        args = self.args_text()
        action = f"{self.name}:{args}" if args else self.name
        if len(action.encode()) > MAX_ACTION_BYTES:
            raise ValueError(f"action {action!r} is longer than {MAX_ACTION_BYTES} bytes")
        return action


@dataclass(frozen=True)
class _OneText(Command):
    """A command whose one argument is the rest of the line."""

    text: str = ""

    @classmethod
    def from_args(cls, args: str) -> Self:
        return cls(args.strip())

    def args_text(self) -> str:
        return self.text


@dataclass(frozen=True)
class _KeyValue(Command):
    """`/settings tz Europe/Berlin`: a key word, then its value."""

    key: str = ""
    value: str = ""

    @classmethod
    def from_args(cls, args: str) -> Self:
        key, _, value = args.strip().partition(" ")
        return cls(key.lower(), value.strip())

    def args_text(self) -> str:
        return f"{self.key} {self.value}".strip()


@dataclass(frozen=True)
class Start(Command):
    """`/start`, `/start TRACK`, `/start TRACK PACE` (an imported roadmap's preview offers
    each pace)."""

    name = "start"
    track: str = ""
    pace: str = ""

    @classmethod
    def from_args(cls, args: str) -> Self:
        track, _, pace = args.strip().lower().partition(" ")
        return cls(track, pace.strip())

    def args_text(self) -> str:
        return f"{self.track} {self.pace}".strip()


@dataclass(frozen=True)
class Today(Command):
    name = "today"
    read_only = True


@dataclass(frozen=True)
class Done(Command):
    """`/done`, `/done 3`, `/done <item id>` (a button), `/done yesterday [3]`."""

    name = "done"
    which: str = ""  # an item number or id; empty: the next open item
    yesterday: bool = False

    @classmethod
    def from_args(cls, args: str) -> Self:
        words = args.lower().split()
        yesterday = bool(words) and words[0] in {"yesterday", "y"}
        return cls(" ".join(words[1:] if yesterday else words), yesterday)

    def args_text(self) -> str:
        return f"{'yesterday ' if self.yesterday else ''}{self.which}".strip()


@dataclass(frozen=True)
class _Numbered(Command):
    """A command that takes a number or nothing; anything else is kept in `unread`, so the
    learner is told what the command takes rather than have their words ignored."""

    number: int | None = None
    unread: str = ""

    @classmethod
    def from_args(cls, args: str) -> Self:
        text = args.strip()
        digits = text.removeprefix("#")
        if digits.isdecimal():  # any script's digits: "/week ۵" is week 5
            return cls(int(digits))
        return cls(unread=text)

    def args_text(self) -> str:
        return self.unread if self.number is None else str(self.number)


@dataclass(frozen=True)
class Undo(_Numbered):
    """`/undo` takes back the last tick; `/undo 3` item 3 of this week, whichever tick it was."""

    name = "undo"


@dataclass(frozen=True)
class Web(Command):
    """`/web`: a one-time link to the learner's page; for their eyes only."""

    name = "web"
    private = True


@dataclass(frozen=True)
class Week(_Numbered):
    """`/week` (the current week), `/week 5` (week 5 of the track)."""

    name = "week"
    read_only = True


@dataclass(frozen=True)
class Progress(Command):
    name = "progress"
    read_only = True


@dataclass(frozen=True)
class Log(_OneText):
    name = "log"


@dataclass(frozen=True)
class Note(_OneText):
    name = "note"


@dataclass(frozen=True)
class Settings(_KeyValue):
    name = "settings"


@dataclass(frozen=True)
class Pause(Command):
    name = "pause"
    # A pause lasts until /resume: "/pause 3 days" is kept to be answered, not carried out.
    unread: str = ""

    @classmethod
    def from_args(cls, args: str) -> Self:
        return cls(args.strip())

    def args_text(self) -> str:
        return self.unread


@dataclass(frozen=True)
class Resume(Command):
    name = "resume"


@dataclass(frozen=True)
class Plan(Command):
    name = "plan"
    read_only = True


@dataclass(frozen=True)
class Replan(_OneText):
    """`/replan` (the offer), `/replan stretch`, `/replan catchup`, `/replan skip`."""

    name = "replan"


@dataclass(frozen=True)
class Focus(_OneText):
    """`/focus` (25 minutes), `/focus 50`, `/focus stop`, `/focus more 5`."""

    name = "focus"
    private = True


@dataclass(frozen=True)
class Buddy(_OneText):
    """`/buddy` (pair up, or see your buddy's day), `/buddy leave`, `/buddy share done off`."""

    name = "buddy"
    private = True


@dataclass(frozen=True)
class Calendar(Command):
    name = "calendar"
    private = True
    read_only = True


@dataclass(frozen=True)
class Export(Command):
    name = "export"
    private = True
    read_only = True


@dataclass(frozen=True)
class Forget(Command):
    name = "forget"
    private = True
    answer: str = ""  # "confirm TOKEN" or "cancel TOKEN" from the question's buttons

    @classmethod
    def from_args(cls, args: str) -> Self:
        return cls(args.strip().lower())

    def args_text(self) -> str:
        return self.answer


@dataclass(frozen=True)
class Help(Command):
    name = "help"
    read_only = True


@dataclass(frozen=True)
class Import(_OneText):
    """`/import` explains how to send a roadmap (the file itself is not a command);
    `/import LINK` imports the roadmap at a link; `/import name TITLE` renames the roadmap
    just imported; `week TRACK [N]` (the preview's button) shows a week before starting."""

    name = "import"

    @property
    def words(self) -> tuple[str, str]:
        """The first word, lower-cased, and the rest as typed."""
        head, _, rest = self.text.partition(" ")
        return head.lower(), rest.strip()


@dataclass(frozen=True)
class Choose(Command):
    """`/choose` lists the track's "choose one" blocks; `/choose django` picks an option by
    its name; a button carries `c1=b`, an option id by its choice id."""

    name = "choose"
    wanted: str = ""

    @classmethod
    def from_args(cls, args: str) -> Self:
        return cls(" ".join(args.split()))

    def args_text(self) -> str:
        return self.wanted

    @property
    def exact(self) -> tuple[str, str] | None:
        """(choice id, option id) when the command came from a button."""
        choice, equals, option = self.wanted.partition("=")
        if equals and _ID.fullmatch(choice) and _ID.fullmatch(option):
            return choice, option
        return None


_ID = re.compile(r"[a-z0-9][a-z0-9-]*")


@dataclass(frozen=True)
class Quiz(Command):
    name = "quiz"


@dataclass(frozen=True)
class Link(Command):
    name = "link"
    private = True
    code: str = ""  # empty: issue a code

    @classmethod
    def from_args(cls, args: str) -> Self:
        return cls(args.strip())

    def args_text(self) -> str:
        return self.code


@dataclass(frozen=True)
class Group(_KeyValue):
    """`/group` (status), `/group setup [track]`, `/group time 08:00`, `/group off`."""

    name = "group"
    in_group = True


@dataclass(frozen=True)
class Join(Command):
    name = "join"
    in_group = True


@dataclass(frozen=True)
class Leave(Command):
    name = "leave"
    in_group = True


@dataclass(frozen=True)
class Leaderboard(Command):
    """`/leaderboard` (this week), `/leaderboard month`, `/leaderboard all`."""

    name = "leaderboard"
    in_group = True
    read_only = True
    period: str = ""

    @classmethod
    def from_args(cls, args: str) -> Self:
        return cls(args.strip().lower())

    def args_text(self) -> str:
        return self.period


@dataclass(frozen=True)
class Submit(_OneText):
    name = "submit"
    in_group = True


@dataclass(frozen=True)
class Review(Command):
    """`/review 3 comment`: a member's comment on submission number 3."""

    name = "review"
    in_group = True
    number: int | None = None  # None: not a number, so the usage is shown
    comment: str = ""

    @classmethod
    def from_args(cls, args: str) -> Self:
        number, _, comment = args.strip().partition(" ")
        number = number.lstrip("#")
        return cls(int(number) if number.isdecimal() else None, comment.strip())

    def args_text(self) -> str:
        return f"{'' if self.number is None else self.number} {self.comment}".strip()


@dataclass(frozen=True)
class Share(Command):
    """`/share` (show), `/share done off`, `/share all on`."""

    name = "share"
    in_group = True
    what: str = ""
    state: str = ""  # on/off; anything else is shown the usage

    @classmethod
    def from_args(cls, args: str) -> Self:
        words = args.lower().split()
        return cls(words[0] if words else "", " ".join(words[1:]))

    def args_text(self) -> str:
        return f"{self.what} {self.state}".strip()


# In menu order.
COMMANDS: dict[str, type[Command]] = {
    command.name: command
    for command in (
        Start,
        Today,
        Done,
        Undo,
        Week,
        Progress,
        Log,
        Note,
        Settings,
        Pause,
        Resume,
        Plan,
        Replan,
        Focus,
        Buddy,
        Calendar,
        Export,
        Forget,
        Help,
        Import,
        Choose,
        Quiz,
        Link,
        Web,
        Group,
        Join,
        Leave,
        Leaderboard,
        Submit,
        Review,
        Share,
    )
}
COMMAND_NAMES = tuple(COMMANDS)


@dataclass(frozen=True)
class Unparsed:
    """Input that is not a command; `reason` says why, for a friendly reply."""

    reason: str  # "empty" | "too_long" | "not_a_command" | "unknown_command"
    word: str = ""


# Terminal escape sequences (colours, cursor moves) pasted along with a command.
_ANSI_ESCAPE = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_])")


def clean_text(text: str, *, keep_newlines: bool = False) -> str:
    """Drop escape sequences, control and format characters a terminal or client may smuggle in."""
    text = _ANSI_ESCAPE.sub("", text)
    kept = []
    for char in text:
        if char == "\n" and keep_newlines:
            kept.append(char)
        elif char in "\t\r\n":
            kept.append(" ")
        elif unicodedata.category(char) not in {"Cc", "Cf", "Cs", "Co"}:
            kept.append(char)
    return "".join(kept).strip()


def parse(text: str) -> Command | Unparsed:
    """What a learner typed, as a command, or why it is not one."""
    if len(text) > MAX_MESSAGE_CHARS:
        return Unparsed("too_long")
    text = clean_text(text, keep_newlines=True)
    if not text:
        return Unparsed("empty")
    if not text.startswith("/"):
        return Unparsed("not_a_command")
    head, *rest = text[1:].split(maxsplit=1) or [""]
    # "/done@coach_bot 3" in groups: which bot is addressed is the adapter's concern.
    word = head.split("@", 1)[0].strip().lower()
    command = COMMANDS.get(ALIASES.get(word, word))
    if command is None:
        return Unparsed("unknown_command", word=head)
    args = rest[0] if rest else ""
    return command.from_args(clean_text(args, keep_newlines=command is Note))


def from_action(action: str) -> Command | Unparsed:
    """The command behind a button's action id (see `Command.as_action`)."""
    name, _, args = action.partition(":")
    command = COMMANDS.get(name.strip().lower())
    if command is None:
        return Unparsed("unknown_command", word=name)
    return command.from_args(args)
