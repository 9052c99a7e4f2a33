"""A readline-style loop over the same core the chat platforms use.

It works interactively and with piped input, so a whole week can be scripted.
"""

from __future__ import annotations

import asyncio
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TextIO

from core.app.ports import CoachPort
from core.importing.links import looks_like_link
from core.kernel.commands import Import, from_action, parse
from core.kernel.errors import Unreachable
from core.kernel.i18n import N_, messages, speaking
from core.kernel.refs import ChatRef, LearnerRef
from core.kernel.reply import Button, Outcome, Reply

_, n_ = messages("console")

PLATFORM = "console"


# One byte over the importer's limit is enough for it to refuse a file as too large.
MAX_IMPORT_READ = 1_000_001


def render(
    reply: Reply,
    *,
    choices: tuple[Button, ...] = (),
    number: int | None = None,
    picture: Path | None = None,
) -> str:
    """A reply as the terminal shows it; `number` heads a message that offers choices, so
    a number typed later can say which message it answers."""
    parts = [_("[message {number}]").format(number=number)] if number is not None else []
    if reply.blocks:
        parts.append(reply.plain_text())
    if reply.quiz is not None:
        parts.append(reply.quiz.question)
        parts.extend(f"  {n}) {option}" for n, option in enumerate(reply.quiz.options, start=1))
        parts.append(_("(type the number of your answer)"))
    if reply.image is not None:
        caption = reply.image.caption or _("chart")
        parts.append(
            _("[picture saved to {path}: {caption}]").format(path=picture, caption=caption)
            if picture
            else _("[picture: {caption}]").format(caption=caption)
        )
    if reply.attachment is not None:
        if reply.attachment.media_type.startswith(("application/json", "text/")):
            parts.append(reply.attachment.content.decode())
        else:
            parts.append(_("[file: {name}]").format(name=reply.attachment.filename))
    if choices:
        parts.append(
            "\n".join(f"  [{n}] {button.label}" for n, button in enumerate(choices, start=1))
        )
        parts.append(_("(type a number to choose)"))
    return "\n".join(parts)


@dataclass(frozen=True)
class _Offer:
    """The numbered choices of the latest message that offered any: its buttons, or its
    quiz's options."""

    message: int
    buttons: tuple[Button, ...] = ()
    quiz: str | None = None  # the quiz's reference, when the numbers answer a quiz
    options: int = 0

    @property
    def count(self) -> int:
        return self.options if self.quiz is not None else len(self.buttons)

    def label(self, number: int) -> str:
        if self.quiz is not None:
            return _("option {number}").format(number=number)
        return self.buttons[number - 1].label


class ConsoleChat:
    def __init__(
        self,
        coach: CoachPort,
        who: LearnerRef,
        stdin: TextIO,
        stdout: TextIO,
        *,
        interactive: bool,
        pictures: Path | None = None,
    ) -> None:
        self._coach = coach
        self._who = who
        self._stdin = stdin
        self._stdout = stdout
        self._interactive = interactive
        # Where pictures are saved: the terminal shows text only.
        self._pictures = pictures or Path(tempfile.gettempdir()) / "roadmap-coach"
        self._shown = 0  # messages shown so far, to number those that offer choices
        self._offer: _Offer | None = None

    @property
    def who(self) -> LearnerRef:
        return self._who

    async def run(self) -> None:
        if self._interactive:
            await self._say(
                N_(
                    "Roadmap Coach in your terminal. Send /start to begin, /help for commands, "
                    "Ctrl-D to leave."
                )
            )
        while True:
            self._prompt()
            line = await asyncio.to_thread(self._stdin.readline)
            if not line:
                break
            outcome = await self.send(line.rstrip("\n"))
            if isinstance(outcome, Reply):
                await self.show(outcome)
        if self._interactive:
            await self._say(N_("Bye! Your progress is saved."))

    async def show(self, reply: Reply, *, unprompted: bool = False) -> None:
        """Prints a reply; if it offers choices, numbers typed next answer it. `unprompted`:
        the coach wrote first (a nudge), so the prompt is drawn again after it."""
        self._shown += 1
        offer = None
        if reply.quiz is not None and reply.quiz.ref is not None:
            # The terminal has no poll of its own to name it, nor a message to point at.
            reference = str(reply.quiz.ref.id)
            await self._coach.quiz_posted(reply.quiz.ref, PLATFORM, reference, "")
            offer = _Offer(self._shown, quiz=reference, options=len(reply.quiz.options))
        elif reply.all_buttons:
            offer = _Offer(self._shown, buttons=reply.all_buttons)
        if offer is not None:
            self._offer = offer
        picture = await self._save_picture(reply) if reply.image is not None else None
        choices = offer.buttons if offer is not None else ()
        number = offer.message if offer is not None else None
        if unprompted and self._interactive:
            self._stdout.write("\n")
        with speaking(await self._coach.language_of(self._who)):
            self._write(render(reply, choices=choices, number=number, picture=picture))
        if unprompted:
            self._prompt()

    async def send(self, text: str) -> Outcome:
        choice = text.strip()
        if choice.isascii() and choice.isdecimal():
            return await self._choose(int(choice))
        command = parse(text)
        # A file is sent here by its path after /import; without one, the core explains.
        path = choice.partition(" ")[2].strip()
        if isinstance(command, Import) and path and not _for_the_core(command):
            return await self._import(path)
        return await self._coach.run(self._who, command)

    async def _choose(self, number: int) -> Outcome:
        """A number typed: a choice of the latest message that offered any."""
        with speaking(await self._coach.language_of(self._who)):
            offer = self._offer
            if offer is None:
                return Reply.text(
                    _(
                        "Numbers answer a message that offers numbered choices, and none is "
                        "open now. /help lists the commands."
                    )
                )
            if not 1 <= number <= offer.count:
                return Reply.text(
                    _(
                        "Message {message} offers choices 1 to {count}; {number} is not one of "
                        "them. Nothing was changed."
                    ).format(message=offer.message, count=offer.count, number=number)
                )
            self._write(
                _("(message {message}, {choice})").format(
                    message=offer.message, choice=offer.label(number)
                )
            )
        if offer.quiz is not None:
            self._offer = None  # answered: its numbers mean nothing any more
            return await self._coach.answer_quiz(self._who, PLATFORM, offer.quiz, [number - 1])
        return await self._coach.run(self._who, from_action(offer.buttons[number - 1].action))

    async def _save_picture(self, reply: Reply) -> Path | None:
        assert reply.image is not None
        name = f"picture-{datetime.now():%Y%m%d-%H%M%S}-{self._shown}.png"
        path = self._pictures / name
        try:
            await asyncio.to_thread(_write_file, path, reply.image.png)
        except OSError:
            return None  # shown as a picture that could not be kept
        return path

    async def _import(self, argument: str) -> Outcome:
        """The terminal's way of sending a document: a path to read."""
        try:
            name, data = await asyncio.to_thread(_read_document, argument)
        except OSError as problem:
            with speaking(await self._coach.language_of(self._who)):
                return Reply.text(_unreadable(argument, problem))
        return await self._coach.import_roadmap(self._who, name, data)

    async def _say(self, message: str) -> None:
        with speaking(await self._coach.language_of(self._who)):
            self._write(_(message))

    def _prompt(self) -> None:
        if self._interactive:
            self._stdout.write("you> ")
            self._stdout.flush()

    def _write(self, text: str) -> None:
        self._stdout.write(text + "\n\n")
        self._stdout.flush()


def _unreadable(argument: str, problem: OSError) -> str:
    if isinstance(problem, FileNotFoundError):
        return _("There is no file at {path}. Give the path to a Markdown roadmap (.md).").format(
            path=argument
        )
    if isinstance(problem, IsADirectoryError):
        return _("{path} is a folder. Give the path to a Markdown file (.md).").format(
            path=argument
        )
    # The system's own words for what went wrong: the coach has no translation of them.
    return _("I cannot read {path}: {problem}.").format(
        path=argument, problem=problem.strerror or problem
    )


def _write_file(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def _read_document(argument: str) -> tuple[str, bytes]:
    path = Path(argument.strip("'\"")).expanduser()
    with path.open("rb") as file:
        return path.name, file.read(MAX_IMPORT_READ)


class ConsoleMessenger:
    """What the coach writes first (nudges, digests), printed into the running chat."""

    platform = PLATFORM

    def __init__(self, chat: ConsoleChat) -> None:
        self._chat = chat

    async def deliver(self, to: LearnerRef, reply: Reply) -> None:
        if to.external_id != self._chat.who.external_id:
            raise Unreachable(f"no console session for {to.external_id}")
        await self._chat.show(reply, unprompted=True)

    async def post(self, chat: ChatRef, reply: Reply) -> None:
        raise Unreachable("the console has no group chats")


def _for_the_core(command: Import) -> bool:
    """`/import LINK` and `/import name TITLE` are the core's to carry out, not a path."""
    return looks_like_link(command.text) or command.words[0] in {"name", "week"}
