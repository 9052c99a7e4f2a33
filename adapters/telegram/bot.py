"""The coach on Telegram: routers, a learner middleware, delivery within Telegram's rules."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

from aiogram import BaseMiddleware, Bot, Dispatcher, F, Router
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import TelegramMethod
from aiogram.methods.base import Response, TelegramType
from aiogram.types import (
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    BufferedInputFile,
    CallbackQuery,
    Chat,
    ChatMemberUpdated,
    InaccessibleMessage,
    InputPollOption,
    Message,
    PollAnswer,
    ReplyParameters,
    TelegramObject,
    Update,
    User,
)
from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application
from aiohttp import web

from adapters.telegram.pacing import GROUP_BUDGET, PRIVATE_BUDGET, ChatBudget, ReplyPacer
from adapters.telegram.render import CoachAction, TelegramMessage, caption, render
from core.app.ports import CoachPort
from core.app.views import not_your_button
from core.kernel.buttons import may_press
from core.kernel.commands import COMMANDS, DESCRIPTIONS, from_action, parse
from core.kernel.ordering import ArrivalOrder
from core.kernel.refs import ChatContext, ChatRef, LearnerRef
from core.kernel.reply import Outcome, Reply, Visibility

log = logging.getLogger(__name__)

PLATFORM = "telegram"
MAX_DOCUMENT_BYTES = 1_000_000
# The group chat menu: the study group's commands, and the personal ones worth sharing there.
GROUP_MENU = (
    "join",
    "leaderboard",
    "submit",
    "review",
    "share",
    "leave",
    "group",
    "today",
    "done",
    "week",
    "progress",
    "help",
)
ADMIN_STATUSES = frozenset({"creator", "administrator"})
GONE_STATUSES = frozenset({"left", "kicked"})


FloodListener = Callable[[float, str | None], None]
# Waits between tries to reach Telegram at start: soon at first, then every half minute.
START_RETRY_DELAYS = (1.0, 2.0, 5.0, 10.0, 30.0)


def make_bot(
    token: str, api_base: str | None = None, *, on_flood: FloodListener | None = None
) -> Bot:
    """A Bot whose requests wait out a 429; `on_flood(seconds, chat)` hears of each one, so
    the sender can hold every other message to that chat too."""
    session = (
        AiohttpSession(api=TelegramAPIServer.from_base(api_base)) if api_base else AiohttpSession()
    )
    session.middleware(RetryAfter(on_flood=on_flood))
    return Bot(
        token,
        session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML, link_preview_is_disabled=True),
    )


class RetryAfter(BaseRequestMiddleware):
    """aiogram does not retry a 429 itself: wait the time Telegram names, then try again."""

    def __init__(
        self,
        tries: int = 3,
        longest_wait: float = 60.0,
        *,
        on_flood: FloodListener | None = None,
    ) -> None:
        self.tries = tries
        self.longest_wait = longest_wait
        self.on_flood = on_flood

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        for attempt in range(1, self.tries + 1):
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as limited:
                if self.on_flood is not None:
                    chat = getattr(method, "chat_id", None)
                    self.on_flood(float(limited.retry_after), None if chat is None else str(chat))
                if attempt == self.tries or limited.retry_after > self.longest_wait:
                    raise
                log.warning(
                    "Telegram asked to wait %ss before %s",
                    limited.retry_after,
                    type(method).__name__,
                )
                await asyncio.sleep(limited.retry_after)
        raise AssertionError("unreachable")


class LearnerMiddleware(BaseMiddleware):
    """Turns the Telegram user into the core's LearnerRef and names the update for dedupe.

    Every update is carried out, however fast they come: what a burst costs is paced in
    the answers (see ReplyPacer), never by dropping a command. A person's updates are
    handled in the order they came, also when a webhook's requests run at once.
    """

    def __init__(self) -> None:
        self.order = ArrivalOrder()

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        user: User | None = data.get("event_from_user")
        if user is None or user.is_bot or not isinstance(event, Update):
            return None
        bot: Bot = data["bot"]
        data["who"] = LearnerRef(PLATFORM, str(user.id), user.full_name)
        data["update_key"] = f"tg:{bot.id}:{event.update_id}"
        async with self.order.turn(user.id):
            return await handler(event, data)


def who_id(who: LearnerRef) -> int:
    return int(who.external_id)


def button_owner(message: Message) -> str | None:
    """Whose answer a message of the bot is: in a group it answers the command it replies
    to, and Telegram reports that message with it, so a forged press cannot claim it."""
    asked = message.reply_to_message
    if asked is None or asked.from_user is None or asked.from_user.is_bot:
        return None
    return str(asked.from_user.id)


def chat_budget(chat_id: int) -> ChatBudget:
    # Telegram's private chats have the user's (positive) id; groups' ids are negative.
    return PRIVATE_BUDGET if chat_id > 0 else GROUP_BUDGET


class TelegramAdapter:
    def __init__(self, coach: CoachPort, bot: Bot, *, pacer: ReplyPacer | None = None) -> None:
        self.coach = coach
        self.bot = bot
        self.pacer = pacer or ReplyPacer(chat_budget)
        self.start_retry_delays = START_RETRY_DELAYS
        self.dispatcher = Dispatcher()
        self.dispatcher.update.outer_middleware(LearnerMiddleware())
        self.dispatcher.include_router(self._router())
        self._username = ""  # lower case, to compare with how a command addresses a bot
        self._private_chat = ""  # "@coach_bot": where a member reaches the bot privately

    # -- setup ---------------------------------------------------------------

    async def prepare(self) -> None:
        me = await self._reach_telegram()
        self._username = (me.username or "").lower()
        self._private_chat = f"@{me.username}" if me.username else ""
        private = [
            BotCommand(command=name, description=DESCRIPTIONS[name])
            for name, command in COMMANDS.items()
            if not command.in_group
        ]
        group = [BotCommand(command=name, description=DESCRIPTIONS[name]) for name in GROUP_MENU]
        await self.bot.set_my_commands(private, scope=BotCommandScopeAllPrivateChats())
        await self.bot.set_my_commands(group, scope=BotCommandScopeAllGroupChats())

    async def _reach_telegram(self) -> User:
        """Who the bot is, asked until Telegram answers: a network or server failure at
        start is waited out with a one-line warning; a refused token is not."""
        for attempt in itertools.count():
            try:
                return await self.bot.me()
            except (TelegramNetworkError, TelegramServerError) as problem:
                delay = self.start_retry_delays[min(attempt, len(self.start_retry_delays) - 1)]
                log.warning("Telegram is not reachable (%s); trying again in %gs", problem, delay)
                await asyncio.sleep(delay)
        raise AssertionError("unreachable")

    @property
    def allowed_updates(self) -> list[str]:
        return self.dispatcher.resolve_used_update_types()

    async def run_polling(self, *, polling_timeout: int = 10) -> None:
        await self.prepare()
        await self.bot.delete_webhook(drop_pending_updates=False)
        # Handling each update before fetching the next means an update is confirmed to
        # Telegram only after its effect is committed; a crash then loses nothing.
        await self.dispatcher.start_polling(
            self.bot,
            handle_as_tasks=False,
            allowed_updates=self.allowed_updates,
            handle_signals=False,
            # The outbox sends through this session too, and polling may stop and start again.
            close_bot_session=False,
        )

    def webhook_app(self, path: str, secret: str) -> web.Application:
        """An aiohttp app taking Telegram's webhook calls; a call without the secret gets 401."""
        app = web.Application()
        # Answering only after the update is handled lets Telegram retry one that failed.
        SimpleRequestHandler(
            self.dispatcher, self.bot, secret_token=secret, handle_in_background=False
        ).register(app, path=path)
        setup_application(app, self.dispatcher, bot=self.bot)
        return app

    async def run_webhook(self, url: str, secret: str, host: str, port: int) -> None:
        await self.prepare()
        runner = web.AppRunner(self.webhook_app(urlsplit(url).path or "/", secret))
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        await site.start()
        await self.bot.set_webhook(url, secret_token=secret, allowed_updates=self.allowed_updates)
        log.info("Telegram webhook listening on %s:%s for %s", host, port, url)
        try:
            await asyncio.Event().wait()
        finally:
            await runner.cleanup()

    async def stop_polling(self) -> None:
        """Ends run_polling's fetching cleanly (cancelling aiogram's polling leaves its fetch
        loop running); before polling has begun there is nothing to stop."""
        with contextlib.suppress(RuntimeError):  # polling was not running
            await self.dispatcher.stop_polling()

    async def stop(self) -> None:
        await self.stop_polling()
        await self.pacer.close()

    def flood_held(self, seconds: float, chat: str | None) -> None:
        """Telegram answered a 429: that chat's answers keep until the wait is over."""
        if chat is not None and chat.lstrip("-").isdigit():
            self.pacer.hold(int(chat), seconds)

    # -- routing -------------------------------------------------------------

    def _router(self) -> Router:
        router = Router(name="coach")
        router.message.register(self._on_document, F.document)
        router.message.register(self._on_text, F.text)
        router.callback_query.register(self._on_button, CoachAction.filter())
        router.callback_query.register(self._on_stale_button)
        router.poll_answer.register(self._on_poll_answer)
        router.my_chat_member.register(self._on_membership_change)
        return router

    def _chat_context(self, chat: Chat, user_id: int) -> ChatContext | None:
        """A group chat as the core sees it; None for a private chat."""
        if chat.type == "private":
            return None

        async def is_admin() -> bool:
            member = await self.bot.get_chat_member(chat.id, user_id)
            return member.status in ADMIN_STATUSES

        # Telegram cannot answer one member out of the others' sight in a group, so the
        # core sends those answers to the private chat instead.
        return ChatContext(
            ChatRef(PLATFORM, str(chat.id), chat.title or ""),
            is_admin,
            answers_privately=False,
            private_chat=self._private_chat,
        )

    async def _on_membership_change(self, update: ChatMemberUpdated) -> None:
        """The bot itself added to or removed from a group."""
        chat = update.chat
        if chat.type == "private":
            return  # a blocked bot shows as a refused delivery, handled where it happens
        old, new = update.old_chat_member.status, update.new_chat_member.status
        if new in GONE_STATUSES:
            await self.coach.group_gone(ChatRef(PLATFORM, str(chat.id), chat.title or ""))
        elif old in GONE_STATUSES:
            with contextlib.suppress(TelegramAPIError):
                await self.bot.send_message(
                    chat.id,
                    "Hello! I can make this chat a study group: an admin sends /group setup, "
                    "then everyone who wants to take part sends /join.",
                )

    def _addressed_elsewhere(self, message: Message) -> bool:
        """In groups: plain chatter and commands for other bots are not ours."""
        if message.chat.type == "private":
            return False
        text = message.text or ""
        if not text.startswith("/"):
            return True
        head = text.split(maxsplit=1)[0]
        return "@" in head and head.split("@", 1)[1].lower() != self._username

    async def _on_text(self, message: Message, who: LearnerRef, update_key: str) -> None:
        if self._addressed_elsewhere(message):
            return
        outcome = await self.coach.run(
            who,
            parse(message.text or ""),
            update_key=update_key,
            chat=self._chat_context(message.chat, who_id(who)),
        )
        if isinstance(outcome, Reply):
            await self.send(
                message.chat.id,
                outcome,
                who,
                reply_to=message if message.chat.type != "private" else None,
            )

    async def _on_document(self, message: Message, who: LearnerRef, update_key: str) -> None:
        document = message.document
        if document is None or message.chat.type != "private":
            return
        outcome: Outcome
        if document.file_size and document.file_size > MAX_DOCUMENT_BYTES:
            outcome = Reply.text(
                "That file is larger than 1 MB; a roadmap must be under 1 MB of Markdown text.",
                "Nothing was saved.",
            )
        else:
            buffer = await self.bot.download(document)
            data = buffer.read() if buffer is not None else b""
            outcome = await self.coach.import_roadmap(
                who, document.file_name or "roadmap.md", data, update_key=update_key
            )
        if isinstance(outcome, Reply):
            await self.send(message.chat.id, outcome, who)

    async def _on_button(
        self, query: CallbackQuery, callback_data: CoachAction, who: LearnerRef, update_key: str
    ) -> None:
        message = query.message
        if isinstance(message, InaccessibleMessage):
            message = None  # too old to edit or to tell its chat by
        chat = self._chat_context(message.chat, query.from_user.id) if message else None
        command = from_action(callback_data.action)
        if message is not None and not may_press(
            command,
            owner=button_owner(message),
            presser=who.external_id,
            shared_chat=chat is not None,
        ):
            await query.answer(not_your_button().plain_text(), show_alert=True)
            return
        outcome = await self.coach.run(who, command, update_key=update_key, chat=chat)
        await query.answer()  # the spinner stops, whatever the outcome
        if not isinstance(outcome, Reply):
            return  # a redelivered press, or nothing to say: stopping the spinner is enough
        if message is None:
            await self.send(query.from_user.id, outcome, who)
        else:
            await self.edit_or_send(message, outcome, who)

    async def _on_poll_answer(
        self, poll_answer: PollAnswer, who: LearnerRef, update_key: str
    ) -> None:
        outcome = await self.coach.answer_quiz(
            who, PLATFORM, poll_answer.poll_id, list(poll_answer.option_ids), update_key=update_key
        )
        # A group quiz shows the right answer itself; a private word to each voter is noise.
        if (
            isinstance(outcome, Reply)
            and outcome.visibility is not Visibility.PASSING
            and poll_answer.user is not None
        ):
            await self.send(poll_answer.user.id, outcome, who)

    async def _on_stale_button(self, query: CallbackQuery) -> None:
        await query.answer(
            "That button is from an older version of me. Send /today for fresh ones."
        )

    # -- delivery ------------------------------------------------------------

    async def edit_or_send(self, message: Message, reply: Reply, who: LearnerRef) -> None:
        """Buttons answer in place: the pressed message becomes the answer. A one-part
        answer still waiting its turn is replaced by a newer one for the same message."""
        parts = render(reply)

        async def answer() -> None:
            await self._edit_then_deliver(message, parts, who)

        replaces = ("edit", message.message_id) if len(parts) == 1 else None
        await self.pacer.send(message.chat.id, answer, replaces=replaces)

    async def _edit_then_deliver(
        self, message: Message, parts: list[TelegramMessage], who: LearnerRef
    ) -> None:
        first = parts[0] if parts and parts[0].html else None
        if first is not None:
            try:
                await self.bot.edit_message_text(
                    text=first.html,
                    chat_id=message.chat.id,
                    message_id=message.message_id,
                    reply_markup=first.keyboard,
                )
                parts = parts[1:]
            except TelegramBadRequest as problem:
                if "message is not modified" in str(problem):
                    parts = parts[1:]
                else:
                    log.info("could not edit message %s: %s", message.message_id, problem)
        await self._deliver(message.chat.id, parts, who)

    async def send(
        self, chat_id: int, reply: Reply, who: LearnerRef, *, reply_to: Message | None = None
    ) -> None:
        parts = render(reply)

        async def answer() -> None:
            await self._deliver(chat_id, parts, who, reply_to=reply_to)

        await self.pacer.send(chat_id, answer)

    async def _deliver(
        self,
        chat_id: int,
        parts: list[TelegramMessage],
        who: LearnerRef,
        *,
        reply_to: Message | None = None,
    ) -> None:
        reply_parameters = (
            ReplyParameters(message_id=reply_to.message_id, allow_sending_without_reply=True)
            if reply_to
            else None
        )
        try:
            for part in parts:
                await self.send_part(chat_id, part, reply_parameters)
                reply_parameters = None  # only the first message answers the command
        except TelegramForbiddenError:
            log.info("Telegram refuses delivery to %s; marking unreachable", who.external_id)
            await self.coach.mark_unreachable(who)

    async def send_part(
        self, chat_id: int, part: TelegramMessage, reply_parameters: ReplyParameters | None = None
    ) -> None:
        if part.photo is not None:
            await self.bot.send_photo(
                chat_id,
                BufferedInputFile(part.photo.png, "progress.png"),
                caption=caption(part.photo.caption) or None,
                reply_parameters=reply_parameters,
            )
        elif part.document is not None:
            await self.bot.send_document(
                chat_id,
                BufferedInputFile(part.document.content, part.document.filename),
                reply_parameters=reply_parameters,
            )
        elif part.poll is not None:
            quiz = part.poll
            sent = await self.bot.send_poll(
                chat_id,
                question=quiz.question,
                options=[InputPollOption(text=option) for option in quiz.options],
                # A self-check has no right answer: a regular poll.
                type="quiz" if quiz.scored else "regular",
                is_anonymous=False,  # poll_answer reaches the bot only for non-anonymous polls
                correct_option_ids=[quiz.correct_option] if quiz.scored else None,
                explanation=(quiz.explanation or None) if quiz.scored else None,
                reply_parameters=reply_parameters,
            )
            if quiz.ref is not None and sent.poll is not None:
                # Answers find the quiz by its poll id; a group's is closed by its message.
                await self.coach.quiz_posted(quiz.ref, PLATFORM, sent.poll.id, str(sent.message_id))
        else:
            await self.bot.send_message(
                chat_id, part.html, reply_markup=part.keyboard, reply_parameters=reply_parameters
            )
