"""What the core says back, in a form every adapter can render its own way.

Text is plain: adapters escape it for their markup, so nothing a learner or a
roadmap author wrote can break a message.
"""

from __future__ import annotations

from dataclasses import dataclass


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


Block = Heading | Paragraph | Checklist | Preformatted


@dataclass(frozen=True)
class Button:
    label: str
    action: str  # an action id the core understands, at most 64 bytes


@dataclass(frozen=True)
class QuizQuestion:
    question: str
    options: tuple[str, ...]
    correct_option: int
    explanation: str = ""
    quiz_id: int | None = None  # the core's record; adapters report where they sent it

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


@dataclass(frozen=True)
class Reply:
    blocks: tuple[Block, ...] = ()
    buttons: tuple[tuple[Button, ...], ...] = ()  # rows of buttons
    quiz: QuizQuestion | None = None
    image: Image | None = None
    attachment: Attachment | None = None

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
