"""The coach on Telegram: routers, a learner middleware, delivery within Telegram's rules."""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import itertools
import logging
import os
import socket
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any
from urllib.parse import urlsplit

from aiogram import BaseMiddleware, Bot, Dispatcher, Router
from aiogram import methods as api
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
    TelegramUnauthorizedError,
)
from aiogram.methods import GetUpdates, TelegramMethod
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
from aiogram.utils.backoff import Backoff, BackoffConfig
from aiohttp import web
from pydantic import ValidationError

from adapters.telegram import api_types
from adapters.telegram.pacing import GROUP_BUDGET, PRIVATE_BUDGET, ChatBudget, ReplyPacer
from adapters.telegram.render import CoachAction, TelegramMessage, caption, render, unsent
from core.app import views as app_views
from core.app.ports import CoachPort
from core.importing.ports import MAX_ROADMAP_BYTES
from core.intake.memory import MemoryInbox
from core.intake.model import NewUpdate, RecordedUpdate
from core.intake.ports import Inbox
from core.intake.service import Intake, IntakeClosed, IntakeSettings
from core.kernel.buttons import may_press
from core.kernel.commands import COMMANDS, description, from_action, parse
from core.kernel.i18n import ENGLISH, LANGUAGES, speaking, supported
from core.kernel.ordering import ArrivalOrder
from core.kernel.refs import ChatContext, ChatRef, LearnerRef
from core.kernel.reply import Outcome, Reply, Visibility

log = logging.getLogger(__name__)

PLATFORM = "telegram"
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
# Quick tries of an answer before it goes to the outbox instead.
REPLY_RETRY_DELAYS = (0.5, 2.0)
# Failures that may pass: the answer is worth sending again later.
TRANSIENT = (TelegramServerError, TelegramNetworkError, TelegramRetryAfter, TimeoutError)
# Between failed getUpdates calls, or updates that could not be recorded.
POLLING_BACKOFF = BackoffConfig(min_delay=1.0, max_delay=30.0, factor=1.5, jitter=0.1)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


# The Bot API methods the coach calls.
_CALLED_METHODS: tuple[type[TelegramMethod[Any]], ...] = tuple(
    getattr(api, name)
    for name in (
        "AnswerCallbackQuery",
        "DeleteWebhook",
        "EditMessageText",
        "GetChatMember",
        "GetFile",
        "GetMe",
        "GetUpdates",
        "SendDocument",
        "SendMessage",
        "SendPhoto",
        "SendPoll",
        "SetMyCommands",
        "SetWebhook",
        "StopPoll",
    )
)
# aiogram looks up the class `Response[<result type>]` for every response it reads. pydantic
# keeps such classes only weakly, so a garbage collection drops them and the next response
# builds one again (milliseconds each). Holding those of the methods the coach calls keeps
# every lookup a cache hit.
_RESPONSE_TYPES = tuple(
    Response[method.__returning__]  # type: ignore[name-defined]
    for method in _CALLED_METHODS
)


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
        longest_wait: float = 10.0,
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
        data["who"] = LearnerRef(
            PLATFORM, str(user.id), user.full_name, language=user.language_code or ""
        )
        data["update_key"] = f"tg:{bot.id}:{event.update_id}"
        async with self.order.turn(user.id):
            return await handler(event, data)


# Filters as coroutines: aiogram runs a plain function, a magic filter `F.text` among
# them, on a thread of the default executor, a hop there and back for every message.
async def has_text(message: Message) -> bool:
    return bool(message.text)


async def has_document(message: Message) -> bool:
    return message.document is not None


def who_id(who: LearnerRef) -> int:
    return int(who.external_id)


def button_owner(message: Message) -> str | None:
    """Whose answer a message of the bot is: in a group it answers the command it replies
    to, and Telegram reports that message with it, so a forged press cannot claim it."""
    asked = message.reply_to_message
    if asked is None or asked.from_user is None or asked.from_user.is_bot:
        return None
    return str(asked.from_user.id)


def lane_of(update: Update) -> str:
    """The chat an update belongs to: its updates are handled in the order they came."""
    if update.message is not None:
        return str(update.message.chat.id)
    if update.callback_query is not None:
        pressed = update.callback_query.message
        return str(pressed.chat.id if pressed is not None else update.callback_query.from_user.id)
    if update.my_chat_member is not None:
        return str(update.my_chat_member.chat.id)
    if update.poll_answer is not None and update.poll_answer.user is not None:
        return str(update.poll_answer.user.id)
    return f"update:{update.update_id}"  # nothing to keep in order with


def chat_budget(chat_id: int) -> ChatBudget:
    # Telegram's private chats have the user's (positive) id; groups' ids are negative.
    return PRIVATE_BUDGET if chat_id > 0 else GROUP_BUDGET


class TelegramAdapter:
    def __init__(
        self,
        coach: CoachPort,
        bot: Bot,
        *,
        pacer: ReplyPacer | None = None,
        inbox: Inbox | None = None,
        worker: str | None = None,
        intake: IntakeSettings | None = None,
    ) -> None:
        self.coach = coach
        self.bot = bot
        self.pacer = pacer or ReplyPacer(chat_budget)
        self.start_retry_delays = START_RETRY_DELAYS
        self.reply_retry_delays = REPLY_RETRY_DELAYS
        self.intake = Intake(
            inbox or MemoryInbox(),
            PLATFORM,
            self._handle_recorded,
            worker=worker or f"{socket.gethostname()[:30]}:{os.getpid()}",
            settings=intake,
        )
        self._polling: asyncio.Event | None = None  # set to stop polling
        # No finite-state machine: the coach keeps its state in the database.
        self.dispatcher = Dispatcher(disable_fsm=True)
        self.dispatcher.update.outer_middleware(LearnerMiddleware())
        self.dispatcher.include_router(self._router())
        self._username = ""  # lower case, to compare with how a command addresses a bot
        self._private_chat = ""  # "@coach_bot": where a member reaches the bot privately

    # -- setup ---------------------------------------------------------------

    async def prepare(self) -> None:
        # Validators of the types the coach reads and sends, built before the first update.
        api_types.warm((Update, *_CALLED_METHODS))
        me = await self._reach_telegram()
        self._username = (me.username or "").lower()
        self._private_chat = f"@{me.username}" if me.username else ""
        await self._set_menus()

    async def _set_menus(self) -> None:
        """The command menus in each language: Telegram shows a user the one of their
        app's language, and the English one to everyone else."""
        private_names = [name for name, command in COMMANDS.items() if not command.in_group]
        for code in LANGUAGES:
            with speaking(code):
                private = [BotCommand(command=n, description=description(n)) for n in private_names]
                group = [BotCommand(command=n, description=description(n)) for n in GROUP_MENU]
            language = None if code == ENGLISH else code
            await self.bot.set_my_commands(
                private, scope=BotCommandScopeAllPrivateChats(), language_code=language
            )
            await self.bot.set_my_commands(
                group, scope=BotCommandScopeAllGroupChats(), language_code=language
            )

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
        """Long-polls until `stop_polling`. A batch is acknowledged (by the offset of the
        next call) only once the intake has recorded it, so a crash loses nothing; the
        updates are then handled while the next batch is fetched."""
        stopping = self._polling = asyncio.Event()
        await self.prepare()
        await self.bot.delete_webhook(drop_pending_updates=False)
        self.intake.start()
        log.info("Telegram polling started")
        fetching: asyncio.Task[None] = asyncio.create_task(
            self._poll(stopping, polling_timeout), name="telegram-polling"
        )
        stopped = asyncio.create_task(stopping.wait())
        try:
            await asyncio.wait({fetching, stopped}, return_when=asyncio.FIRST_COMPLETED)
            if fetching.done():
                fetching.result()  # a refused token ends polling
        finally:
            stopped.cancel()
            fetching.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await fetching
            log.info("Telegram polling stopped")

    async def _poll(self, stopping: asyncio.Event, polling_timeout: int) -> None:
        backoff = Backoff(POLLING_BACKOFF)
        offset: int | None = None
        # The request may take the long poll's time and then some on a slow network.
        request_timeout = polling_timeout + int(self.bot.session.timeout or 30)
        while not stopping.is_set():
            call = GetUpdates(
                offset=offset, timeout=polling_timeout, allowed_updates=self.allowed_updates
            )
            try:
                updates = await self.bot(call, request_timeout=request_timeout)
                await self.intake.accept([self._recordable(u) for u in updates])
            except TelegramUnauthorizedError:
                raise
            except Exception as problem:
                # Telegram away, another poller (409), or the database: whatever was fetched
                # is not acknowledged, so Telegram hands it out again.
                log.warning(
                    "could not take updates (%s); trying again in %.1fs",
                    problem,
                    backoff.next_delay,
                )
                await backoff.asleep()
                continue
            backoff.reset()
            if updates:
                offset = updates[-1].update_id + 1

    def _recordable(self, update: Update) -> NewUpdate:
        return NewUpdate(
            PLATFORM,
            f"tg:{self.bot.id}:{update.update_id}",
            lane_of(update),
            update.model_dump_json(exclude_unset=True, by_alias=True),
        )

    async def _handle_recorded(self, recorded: RecordedUpdate) -> None:
        update = Update.model_validate_json(recorded.payload, context={"bot": self.bot})
        await self.dispatcher.feed_update(self.bot, update)

    def webhook_app(self, path: str, secret: str) -> web.Application:
        """An aiohttp app taking Telegram's webhook calls. A call is answered 200 once its
        update is recorded, and handled after; one without the secret gets 401, and one
        that could not be recorded 503, so Telegram delivers it again."""

        async def take(request: web.Request) -> web.Response:
            given = request.headers.get(SECRET_HEADER, "")
            if not hmac.compare_digest(given.encode(), secret.encode()):
                return web.Response(status=401, text="Unauthorized")
            try:
                update = Update.model_validate_json(await request.read())
            except ValidationError:
                return web.Response(status=400, text="Not an update")
            try:
                await self.intake.accept([self._recordable(update)])
            except IntakeClosed:
                return web.Response(status=503, text="Stopping")
            except Exception:
                log.exception("could not record update %s", update.update_id)
                return web.Response(status=503, text="Try again")
            return web.json_response({})

        app = web.Application()
        app.router.add_post(path, take)
        return app

    async def run_webhook(self, url: str, secret: str, host: str, port: int) -> None:
        await self.prepare()
        self.intake.start()
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
        """Stops fetching updates; those taken so far are still handled (see `stop`)."""
        if self._polling is not None:
            self._polling.set()

    async def stop(self, grace: float = 10.0) -> None:
        """Takes no more updates, finishes those in hand within `grace` seconds and hands
        the rest back for the next worker, then lets queued answers go out."""
        await self.stop_polling()
        await self.intake.stop(grace)
        await self.pacer.close(grace)

    def flood_held(self, seconds: float, chat: str | None) -> None:
        """Telegram answered a 429: that chat's answers keep until the wait is over."""
        if chat is not None and chat.lstrip("-").isdigit():
            self.pacer.hold(int(chat), seconds)

    # -- routing -------------------------------------------------------------

    def _router(self) -> Router:
        router = Router(name="coach")
        router.message.register(self._on_document, has_document)
        router.message.register(self._on_text, has_text)
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
            # In the language of the one who added the bot: the group has none of its own yet.
            with speaking(supported(update.from_user.language_code)):
                welcome = render(app_views.group_welcome())
            with contextlib.suppress(TelegramAPIError):
                await self.bot.send_message(chat.id, welcome[0].html)

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
        if document.file_size and document.file_size > MAX_ROADMAP_BYTES:
            outcome = await self._note(who, app_views.roadmap_too_large)
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
            refusal = await self._note(who, app_views.not_your_button)
            await query.answer(refusal.plain_text(), show_alert=True)
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

    async def _on_stale_button(self, query: CallbackQuery, who: LearnerRef) -> None:
        note = await self._note(who, app_views.stale_button)
        await query.answer(note.plain_text())

    async def _note(self, who: LearnerRef, note: Callable[[], Reply]) -> Reply:
        """One of the adapter's own notes, in the language the learner chose, else their
        app's."""
        with speaking(await self.coach.language_of(who)):
            return note()

    # -- delivery ------------------------------------------------------------

    async def edit_or_send(self, message: Message, reply: Reply, who: LearnerRef) -> None:
        """Buttons answer in place: the pressed message becomes the answer. A one-part
        answer still waiting its turn is replaced by a newer one for the same message."""
        parts = render(reply)

        async def answer() -> None:
            await self._edit_then_deliver(message, reply, parts, who)

        replaces = ("edit", message.message_id) if len(parts) == 1 else None
        await self.pacer.send(message.chat.id, answer, replaces=replaces)

    async def _edit_then_deliver(
        self, message: Message, reply: Reply, parts: list[TelegramMessage], who: LearnerRef
    ) -> None:
        first = parts[0] if parts and parts[0].html else None
        edited = 0
        if first is not None:
            try:
                await self._retrying(
                    lambda: self.bot.edit_message_text(
                        text=first.html,
                        chat_id=message.chat.id,
                        message_id=message.message_id,
                        reply_markup=first.keyboard,
                    )
                )
                edited = 1
            except TelegramBadRequest as problem:
                if "message is not modified" in str(problem):
                    edited = 1
                else:
                    log.info("could not edit message %s: %s", message.message_id, problem)
            except TRANSIENT as failure:
                # An edit cannot wait for the outbox: the whole answer comes as a message.
                await self._owe(message.chat.id, reply, failure)
                return
        await self._deliver(message.chat.id, reply, parts, who, already=edited)

    async def send(
        self, chat_id: int, reply: Reply, who: LearnerRef, *, reply_to: Message | None = None
    ) -> None:
        parts = render(reply)

        async def answer() -> None:
            await self._deliver(chat_id, reply, parts, who, reply_to=reply_to)

        await self.pacer.send(chat_id, answer)

    async def _deliver(
        self,
        chat_id: int,
        reply: Reply,
        parts: list[TelegramMessage],
        who: LearnerRef,
        *,
        reply_to: Message | None = None,
        already: int = 0,
    ) -> None:
        """Sends the parts from `already` on. A part Telegram keeps failing (a 5xx, a lost
        connection, a long flood wait) after a few quick tries is not lost: what was not
        sent goes to the outbox, whose sender delivers it when Telegram takes it."""
        reply_parameters = (
            ReplyParameters(message_id=reply_to.message_id, allow_sending_without_reply=True)
            if reply_to
            else None
        )
        sent = already
        try:
            for part in parts[already:]:
                await self._retrying(partial(self.send_part, chat_id, part, reply_parameters))
                reply_parameters = None  # only the first message answers the command
                sent += 1
        except TelegramForbiddenError:
            log.info("Telegram refuses delivery to %s; marking unreachable", who.external_id)
            await self.coach.mark_unreachable(who)
        except TRANSIENT as failure:
            await self._owe(chat_id, unsent(reply, parts, sent), failure)

    async def _retrying(self, send: Callable[[], Awaitable[object]]) -> None:
        """A few quick tries for a blip; a flood wait was already waited out as far as it
        is short (RetryAfter), so a long one is not waited here."""
        for delay in (*self.reply_retry_delays, None):
            try:
                await send()
                return
            except (TelegramServerError, TelegramNetworkError, TimeoutError):
                if delay is None:
                    raise
                await asyncio.sleep(delay)

    async def _owe(self, chat_id: int, reply: Reply, failure: Exception) -> None:
        log.warning(
            "an answer in chat %s could not be sent (%s); the outbox will deliver it",
            chat_id,
            type(failure).__name__,
        )
        try:
            await self.coach.owe_reply(ChatRef(PLATFORM, str(chat_id), ""), reply)
        except Exception:
            log.exception("an answer in chat %s was lost: the outbox could not take it", chat_id)

    async def send_part(
        self, chat_id: int, part: TelegramMessage, reply_parameters: ReplyParameters | None = None
    ) -> None:
        if part.photo is not None:
            await self.bot.send_photo(
                chat_id,
                BufferedInputFile(part.photo.png, "progress.png"),
                caption=caption(part.photo.caption) or None,
                reply_markup=part.keyboard,
                reply_parameters=reply_parameters,
            )
        elif part.document is not None:
            await self.bot.send_document(
                chat_id,
                BufferedInputFile(part.document.content, part.document.filename),
                reply_markup=part.keyboard,
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
                reply_markup=part.keyboard,
                reply_parameters=reply_parameters,
            )
            if quiz.ref is not None and sent.poll is not None:
                # Answers find the quiz by its poll id; a group's is closed by its message.
                await self.coach.quiz_posted(quiz.ref, PLATFORM, sent.poll.id, str(sent.message_id))
        else:
            await self.bot.send_message(
                chat_id, part.html, reply_markup=part.keyboard, reply_parameters=reply_parameters
            )
