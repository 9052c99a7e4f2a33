"""What the core says back, in a form every adapter can render its own way.

Text is plain: adapters escape it for their markup, so nothing a learner or a
roadmap author wrote can break a message.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


def shortened(text: str, limit: int) -> str:
    """`text` in at most `limit` characters: cut at the last word boundary in reach (unless
    that drops more than half), with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if cut[-1:].isalnum() and text[limit - 1].isalnum():  # the cut splits a word
        space = cut.rfind(" ")
        if space >= limit // 2:
            cut = cut[:space]
    return cut.rstrip(" ,;:-–—(") + "…"


@dataclass(frozen=True)
class Heading:
    text: str


@dataclass(frozen=True)
class Paragraph:
    text: str


@dataclass(frozen=True)
class CheckItem:
    text: str
    done: bool
    detail: str = ""  # e.g. "due Tue" or "done Mon 16 Nov"


@dataclass(frozen=True)
class Checklist:
    items: tuple[CheckItem, ...]


@dataclass(frozen=True)
class Preformatted:
    text: str


@dataclass(frozen=True)
class Mention:
    """A person in a group chat, by their id on that chat's platform."""

    external_id: str
    name: str


@dataclass(frozen=True)
class Mentions:
    """A line that calls people by name, so the platform notifies them."""

    lead: str
    people: tuple[Mention, ...]


Block = Heading | Paragraph | Checklist | Preformatted | Mentions


@dataclass(frozen=True)
class Button:
    label: str
    action: str  # an action id the core understands, at most 64 bytes


@dataclass(frozen=True)
class WebLink:
    """A button that opens an address: the web view. `mini_app`: Telegram opens it inside
    the app, signed in by Telegram itself (it must then be an https address)."""

    label: str
    url: str
    mini_app: bool = False


class QuizScope(enum.Enum):
    LEARNER = "learner"  # one learner's question; only they answer it
    GROUP = "group"  # a study group's question; everyone in the chat may answer


@dataclass(frozen=True)
class QuizRef:
    """The core's record of a quiz; adapters report where they posted it (`quiz_posted`)."""

    scope: QuizScope
    id: int


@dataclass(frozen=True)
class QuizQuestion:
    question: str
    options: tuple[str, ...]
    correct_option: int
    explanation: str = ""
    ref: QuizRef | None = None
    # What a platform that heads a quiz (Discord's embed) shows above it: "Quiz".
    title: str = ""

    @property
    def for_group(self) -> bool:
        return self.ref is not None and self.ref.scope is QuizScope.GROUP

    @property
    def scored(self) -> bool:
        """False for a self-check, which has no right answer (correct_option is -1)."""
        return self.correct_option >= 0


@dataclass(frozen=True)
class Image:
    png: bytes
    caption: str = ""


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    media_type: str


class Visibility(enum.Enum):
    """Who a reply is for, in a chat where more people than the sender read along."""

    PERSONAL = "personal"  # the sender: out of others' sight where the platform can do that
    CHAT = "chat"  # everyone in the chat
    # A passing acknowledgement for the sender (a group quiz answer's feedback): a platform
    # whose own quiz shows the result may leave it unsaid.
    PASSING = "passing"


@dataclass(frozen=True)
class PollToClose:
    """A group quiz's message to close (Telegram stopPoll) before the reply is posted."""

    message_ref: str


@dataclass(frozen=True)
class Reply:
    blocks: tuple[Block, ...] = ()
    buttons: tuple[tuple[Button, ...], ...] = ()  # rows of buttons
    quiz: QuizQuestion | None = None
    image: Image | None = None
    attachment: Attachment | None = None
    visibility: Visibility = Visibility.PERSONAL
    closes: PollToClose | None = None
    link: WebLink | None = None  # a button of its own, under the others

    @classmethod
    def text(cls, *paragraphs: str, buttons: tuple[tuple[Button, ...], ...] = ()) -> Reply:
        return cls(blocks=tuple(Paragraph(p) for p in paragraphs), buttons=buttons)

    def plain_text(self) -> str:
        """A readable plain-text rendering, used by the console and by tests."""
        lines: list[str] = []
        for block in self.blocks:
            match block:
                case Heading(text):
                    lines.append(f"== {text} ==")
                case Paragraph(text) | Preformatted(text):
                    lines.append(text)
                case Mentions(lead, people):
                    lines.append(f"{lead} " + ", ".join(f"@{p.name}" for p in people))
                case Checklist(items):
                    lines.extend(
                        f"[{'x' if i.done else ' '}] {i.text}"
                        + (f"  ({i.detail})" if i.detail else "")
                        for i in items
                    )
        return "\n".join(lines)

    @property
    def all_buttons(self) -> tuple[Button, ...]:
        return tuple(b for row in self.buttons for b in row)


@dataclass(frozen=True)
class NothingToSay:
    """The update was taken, and there is nothing to answer (a retracted vote, someone
    else's poll)."""


@dataclass(frozen=True)
class AlreadyHandled:
    """A redelivered update: its effect and its answer happened the first time."""


# What the core answers an update with.
Outcome = Reply | NothingToSay | AlreadyHandled
NOTHING_TO_SAY = NothingToSay()
ALREADY_HANDLED = AlreadyHandled()
