"""A readline-style loop over the same core the chat platforms use.

It works interactively and with piped input, so a whole week can be scripted.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TextIO

from core.app.ports import CoachPort
from core.importing.links import looks_like_link
from core.kernel.commands import Import, from_action, parse
from core.kernel.errors import Unreachable
from core.kernel.refs import ChatRef, LearnerRef
from core.kernel.reply import Button, Outcome, Reply

PLATFORM = "console"


# One byte over the importer's limit is enough for it to refuse a file as too large.
MAX_IMPORT_READ = 1_000_001


def render(reply: Reply, *, choices: tuple[Button, ...] = ()) -> str:
    parts = [reply.plain_text()] if reply.blocks else []
    if reply.quiz is not None:
        parts.append(reply.quiz.question)
        parts.extend(f"  {n}) {option}" for n, option in enumerate(reply.quiz.options, start=1))
        parts.append("(type the number of your answer)")
    if reply.image is not None:
        parts.append(f"[picture: {reply.image.caption or 'chart'}]")
    if reply.attachment is not None:
        if reply.attachment.media_type.startswith(("application/json", "text/")):
            parts.append(reply.attachment.content.decode())
        else:
            parts.append(f"[file: {reply.attachment.filename}]")
    if choices:
        parts.append(
            "\n".join(f"  [{n}] {button.label}" for n, button in enumerate(choices, start=1))
        )
        parts.append("(type a number to choose)")
    return "\n".join(parts)


class ConsoleChat:
    def __init__(
        self, coach: CoachPort, who: LearnerRef, stdin: TextIO, stdout: TextIO, *, interactive: bool
    ) -> None:
        self._coach = coach
        self._who = who
        self._stdin = stdin
        self._stdout = stdout
        self._interactive = interactive
        self._choices: tuple[Button, ...] = ()
        self._open_quiz: tuple[str, int] | None = None  # (reference, number of options)

    @property
    def who(self) -> LearnerRef:
        return self._who

    async def run(self) -> None:
        if self._interactive:
            self._write(
                "Roadmap Coach in your terminal. Send /start to begin, /help for commands, Ctrl-D to leave."
            )
        while True:
            if self._interactive:
                self._stdout.write("you> ")
                self._stdout.flush()
            line = await asyncio.to_thread(self._stdin.readline)
            if not line:
                break
            outcome = await self.send(line.rstrip("\n"))
            if isinstance(outcome, Reply):
                await self.show(outcome)
        if self._interactive:
            self._write("Bye! Your progress is saved.")

    async def show(self, reply: Reply) -> None:
        """Prints a reply; its buttons and quiz become what the next number answers."""
        self._choices = reply.all_buttons
        if reply.quiz is not None and reply.quiz.ref is not None:
            # The terminal has no poll of its own to name it, nor a message to point at.
            reference = str(reply.quiz.ref.id)
            await self._coach.quiz_posted(reply.quiz.ref, PLATFORM, reference, "")
            self._open_quiz = (reference, len(reply.quiz.options))
        self._write(render(reply, choices=self._choices))

    async def send(self, text: str) -> Outcome:
        choice = text.strip()
        if choice.isdigit() and self._open_quiz and 1 <= int(choice) <= self._open_quiz[1]:
            reference, _ = self._open_quiz
            self._open_quiz = None
            return await self._coach.answer_quiz(self._who, PLATFORM, reference, [int(choice) - 1])
        self._open_quiz = None  # moving on leaves the question unanswered
        if choice.isdigit() and self._choices and 1 <= int(choice) <= len(self._choices):
            action = self._choices[int(choice) - 1].action
            return await self._coach.run(self._who, from_action(action))
        command = parse(text)
        # A file is sent here by its path after /import; without one, the core explains.
        path = choice.partition(" ")[2].strip()
        if isinstance(command, Import) and path and not _for_the_core(command):
            return await self._import(path)
        return await self._coach.run(self._who, command)

    async def _import(self, argument: str) -> Outcome:
        """The terminal's way of sending a document: a path to read."""
        try:
            name, data = await asyncio.to_thread(_read_document, argument)
        except FileNotFoundError:
            return Reply.text(
                f"There is no file at {argument}. Give the path to a Markdown roadmap (.md)."
            )
        except IsADirectoryError:
            return Reply.text(f"{argument} is a folder. Give the path to a Markdown file (.md).")
        except OSError as problem:
            return Reply.text(f"I cannot read {argument}: {problem.strerror or problem}.")
        return await self._coach.import_roadmap(self._who, name, data)

    def _write(self, text: str) -> None:
        self._stdout.write(text + "\n\n")
        self._stdout.flush()


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
        await self._chat.show(reply)

    async def post(self, chat: ChatRef, reply: Reply) -> None:
        raise Unreachable("the console has no group chats")


def _for_the_core(command: Import) -> bool:
    """`/import LINK` and `/import name TITLE` are the core's to carry out, not a path."""
    return looks_like_link(command.text) or command.words[0] in {"name", "week"}
