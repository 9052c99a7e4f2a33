"""/link: one learner across platforms, on SQLite and PostgreSQL, with a frozen clock."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from core.accounts.linking import CODE_ALPHABET, code_hash
from core.app.coach import Coach
from core.kernel.clock import FrozenClock
from core.learning.tracks import BuiltinCatalog, builtin_track
from core.ports import NewOutboxItem
from core.quizzes.review import Recall, review
from core.storage import models as m
from core.storage.engine import make_sessions
from core.storage.store import SqlUnitOfWorkFactory
from tests.conftest import Learner
from tests.integration.test_imported_tracks import ROADMAP

WEEK1 = builtin_track().weeks[0]
WEEK2 = builtin_track().weeks[1]
MONDAY = datetime(2026, 11, 16, 8, 0, tzinfo=UTC)


def on(day: int, hour: int = 18) -> datetime:
    """16 = Monday 16 November 2026."""
    return datetime(2026, 11, day, hour, 0, tzinfo=UTC)


def code_in(text: str) -> str:
    match = re.search(r"send /link ([A-Z0-9]{6}) within 10 minutes", text)
    assert match, text
    return match[1]


async def link(issuer: Learner, joiner: Learner) -> str:
    return await joiner.say(f"/link {code_in(await issuer.say('/link'))}")


async def count(engine: AsyncEngine, model: type[m.Base]) -> int:
    async with engine.connect() as connection:
        return int(await connection.scalar(select(func.count()).select_from(model)) or 0)


async def completions(engine: AsyncEngine) -> dict[str, tuple[date, bool]]:
    c = m.Completion
    async with engine.connect() as connection:
        rows = await connection.execute(select(c.item_id, c.done_on, c.completes_week))
        return {row.item_id: (row.done_on, row.completes_week) for row in rows}


def telegram(coach: Coach, name: str = "ada") -> Learner:
    return Learner(coach, f"tg-{name}", platform="telegram")


def discord(coach: Coach, name: str = "ada") -> Learner:
    return Learner(coach, f"dc-{name}", platform="discord")


async def test_a_code_is_short_lived_unambiguous_and_stored_only_as_a_hash(
    coach: Coach, engine: AsyncEngine
) -> None:
    tg = telegram(coach)
    reply = await tg.say("/link")  # no /start needed: a learner row is made for the code
    code = code_in(reply)
    assert set(code) <= set(CODE_ALPHABET)
    assert "Telegram" in reply
    async with engine.connect() as connection:
        stored = (await connection.execute(select(m.LinkCode.__table__))).one()
    assert stored.code_hash == code_hash(code) != code
    assert stored.expires_at == MONDAY + timedelta(minutes=10)
    assert await count(engine, m.Learner) == 1
    # A new code replaces the unused one.
    second = code_in(await tg.say("/link"))
    assert await count(engine, m.LinkCode) == 1
    if second != code:
        assert "does not work" in await discord(coach).say(f"/link {code}")


async def test_progress_on_the_same_track_is_merged(
    coach: Coach, clock: FrozenClock, engine: AsyncEngine
) -> None:
    tg, dc = telegram(coach), discord(coach)
    await tg.say("/start")
    await dc.say("/start")
    clock.set(on(16))
    await dc.say("/done")  # item 1 on Monday
    await dc.say("/log 1")
    await dc.say("/note from discord")
    clock.set(on(17))
    await tg.say("/done")  # item 1 again, Tuesday
    await tg.say("/done")  # item 2 on Tuesday
    clock.set(on(18))
    await dc.say("/done")  # item 2 again, Wednesday

    reply = await link(tg, dc)
    assert "Linked: Telegram and Discord now share one progress." in reply
    assert "Kept: your settings from Telegram." in reply
    assert "Merged" not in reply  # Discord had nothing Telegram lacked

    assert await count(engine, m.Learner) == 1
    assert await count(engine, m.Enrollment) == 1
    assert await completions(engine) == {
        WEEK1.items[0].id: (date(2026, 11, 16), False),  # the earlier date wins
        WEEK1.items[1].id: (date(2026, 11, 17), False),
    }
    for side in (tg, dc):
        today = await side.say("/today")
        assert "Streak: 3 days." in today  # Mon (Discord), Tue (Telegram), Wed (Discord)
        progress = await side.say("/progress")
        assert "Items done: 2 of 172" in progress
        assert "Hours logged in total: 1." in progress
    assert await tg.say("/today") == await dc.say("/today")
    assert "Reflection notes this week: 1" in await tg.say("/week")


async def test_ticks_from_both_sides_can_complete_a_week(
    coach: Coach, clock: FrozenClock, engine: AsyncEngine
) -> None:
    tg, dc = telegram(coach), discord(coach)
    await tg.say("/start")
    await dc.say("/start")
    clock.set(on(17))
    for n in range(1, 5):
        await tg.say(f"/done {n}")
    clock.set(on(18))
    for n in range(5, 8):
        await dc.say(f"/done {n}")

    reply = await link(dc, tg)  # Discord keeps its settings this time
    assert "Linked: Discord and Telegram" in reply
    assert "Merged 4 done items from here." in reply
    week = await tg.say("/week")
    assert f"Week 2 of 24: {WEEK2.title}" in week
    done = await completions(engine)
    assert len(done) == 7
    assert [item for item, (_, closes) in done.items() if closes] == [WEEK1.items[-1].id]
    async with engine.connect() as connection:
        opened = await connection.scalar(select(m.Enrollment.week_opened_on))
    assert opened == date(2026, 11, 18)


async def test_different_tracks_are_all_kept(
    coach: Coach, clock: FrozenClock, engine: AsyncEngine
) -> None:
    tg, dc = telegram(coach), discord(coach)
    await tg.say("/start")
    await tg.say("/done")
    preview = await coach.import_roadmap(dc.ref, "sql.md", ROADMAP)
    [button] = preview.all_buttons
    await dc.press(button.action)
    await dc.say("/done")

    assert "Merged 1 done item from here." in await link(tg, dc)
    assert await count(engine, m.Enrollment) == 2
    assert WEEK1.title in await dc.say("/week")  # Telegram's active track stays active
    track_id = button.action.removeprefix("start:")
    switched = await dc.say(f"/settings track {track_id}")
    assert "Switched to SQL in three weeks" in switched
    assert "(1/" in await tg.say("/week")  # Discord's tick on the imported track is there
    async with engine.connect() as connection:
        owners = await connection.scalar(select(func.count(func.distinct(m.Enrollment.learner_id))))
    assert owners == 1


async def test_one_side_without_a_track(coach: Coach, engine: AsyncEngine) -> None:
    tg, dc = telegram(coach), discord(coach)
    await dc.say("/start")
    await dc.say("/done")
    reply = await link(tg, dc)  # Telegram has never started
    assert "Kept: your settings from here, as Telegram had not started a track." in reply
    assert "Merged 1 done item" in reply
    assert await tg.say("/today") == await dc.say("/today")
    assert "Items done: 1 of 172" in await tg.say("/progress")
    async with engine.connect() as connection:
        row = (await connection.execute(select(m.Enrollment.__table__))).one()
    assert row.active and row.next_nudge_at is not None  # it is nudged from its new home

    # And the other way round: a console identity that never wrote before joins.
    console = Learner(coach, "local", platform="console")
    assert "Linked: Telegram, Discord and the console" in await link(tg, console)
    assert "Items done: 1 of 172" in await console.say("/progress")
    assert await count(engine, m.Learner) == 1


async def test_expired_used_and_wrong_codes_are_refused(
    coach: Coach, clock: FrozenClock, engine: AsyncEngine
) -> None:
    tg, dc, console = telegram(coach), discord(coach), Learner(coach, "me", platform="console")
    await tg.say("/start")
    await dc.say("/start")
    code = code_in(await tg.say("/link"))
    clock.advance(timedelta(minutes=10))
    assert "does not work" in await dc.say(f"/link {code}")
    assert "does not look like a link code" in await dc.say("/link 12345")

    code = code_in(await tg.say("/link"))
    assert "Linked" in await dc.say(f"/link {code.lower()[:3]}-{code.lower()[3:]}")
    assert "does not work" in await console.say(f"/link {code}")  # used once already
    assert await count(engine, m.Learner) == 1  # a wrong guess makes no learner


async def test_own_code_already_linked_and_same_platform_change_nothing(
    coach: Coach, engine: AsyncEngine
) -> None:
    tg, dc, other_tg = telegram(coach), discord(coach), telegram(coach, "bob")
    await tg.say("/start")
    await other_tg.say("/start")
    code = code_in(await tg.say("/link"))
    assert "That is the code for this account." in await tg.say(f"/link {code}")
    same = await other_tg.say(f"/link {code}")
    assert "one learner can have only one Telegram account" in same
    assert "wrong account" in same
    assert await count(engine, m.Learner) == 2
    assert "Linked" in await dc.say(f"/link {code}")  # none of those used the code up

    assert "already linked" in await link(tg, dc)
    assert "already linked" in await link(dc, tg)
    assert await count(engine, m.Identity) == 3
    assert await count(engine, m.LinkFailure) == 0  # only wrong codes count as guesses


async def test_wrong_codes_lock_out_for_the_rest_of_ten_minutes(
    coach: Coach, clock: FrozenClock, engine: AsyncEngine
) -> None:
    tg, dc = telegram(coach), discord(coach)
    await tg.say("/start")
    replies = []
    for n in range(5):
        replies.append(await dc.say("/link ZZZZZ" + "23456"[n]))
        clock.advance(timedelta(minutes=1))
    assert "(4 more tries)" in replies[0]
    assert "last try" in replies[-1]
    code = code_in(await tg.say("/link"))
    # Another worker, sharing only the database, refuses too.
    worker = Coach(SqlUnitOfWorkFactory(make_sessions(engine)), clock, BuiltinCatalog())
    locked = (await worker.handle(dc.ref, f"/link {code}")).plain_text()
    assert "Too many codes" in locked
    assert "Try again in 5 minutes." in locked  # the first wrong code was 5 minutes ago
    clock.advance(timedelta(minutes=5))
    assert "Linked" in await link(tg, dc)


async def test_a_redelivered_update_links_once(coach: Coach, engine: AsyncEngine) -> None:
    tg, dc = telegram(coach), discord(coach)
    await tg.say("/start")
    await dc.say("/start")
    first = await coach.handle(tg.ref, "/link", update_key="tg:1")
    assert (await coach.handle(tg.ref, "/link", update_key="tg:1")).plain_text() == ""
    code = code_in(first.plain_text())
    reply = await coach.handle(dc.ref, f"/link {code}", update_key="dc:1")
    assert "Linked" in reply.plain_text()
    assert (await coach.handle(dc.ref, f"/link {code}", update_key="dc:1")).plain_text() == ""
    assert await count(engine, m.Learner) == 1
    assert await count(engine, m.LinkFailure) == 0


async def test_export_lists_both_accounts_and_forget_removes_everything(
    coach: Coach, clock: FrozenClock, engine: AsyncEngine
) -> None:
    tg, dc = telegram(coach), discord(coach)
    await tg.say("/start")
    await dc.say("/link ABCDEF")  # a wrong guess, which is kept for a while
    await link(tg, dc)
    await dc.say("/done")
    await tg.say("/link")  # a live code
    await dc.say("/export")
    assert "Linked accounts: Telegram (Tg-Ada), Discord (Dc-Ada)." in dc.last.plain_text()
    assert dc.last.attachment is not None
    data = json.loads(dc.last.attachment.content)
    assert [(i["platform"], i["external_id"]) for i in data["identities"]] == [
        ("telegram", "tg-ada"),
        ("discord", "dc-ada"),
    ]
    assert "deleted" in await tg.press("forget:confirm")
    for model in (m.Learner, m.Identity, m.Enrollment, m.Completion, m.LinkCode, m.LinkFailure):
        assert await count(engine, model) == 0, model.__tablename__
    assert "/start" in await dc.say("/today")


async def test_pending_nudges_of_the_absorbed_learner_are_dropped(
    coach: Coach, engine: AsyncEngine
) -> None:
    tg, dc = telegram(coach), discord(coach)
    await tg.say("/start")
    await dc.say("/start")
    uow_factory = SqlUnitOfWorkFactory(make_sessions(engine))
    async with uow_factory() as uow:
        ids = {}
        for side in (tg, dc):
            snapshot = await uow.store.load(side.ref.platform, side.ref.external_id)
            assert snapshot is not None
            ids[side.ref.platform] = snapshot.learner_id
        monday, tuesday = date(2026, 11, 16), date(2026, 11, 17)
        await uow.store.enqueue(
            [
                NewOutboxItem(ids["telegram"], "plan", tuesday, MONDAY),
                NewOutboxItem(ids["discord"], "plan", tuesday, MONDAY),
                NewOutboxItem(ids["discord"], "evening", monday, MONDAY),
                NewOutboxItem(ids["discord"], "plan", monday, MONDAY),
            ],
            available_at=MONDAY,
        )
        claimed = await uow.store.claim_outbox(
            MONDAY, lease_until=MONDAY + timedelta(minutes=2), worker="w", limit=10
        )
        for item in claimed:
            if (item.learner_id, item.kind, item.local_date) == (ids["discord"], "plan", monday):
                # Monday's plan has gone to Discord already.
                await uow.store.finish_outbox(
                    item.id, status="sent", at=MONDAY, outcome="plan", to=dc.ref
                )
            else:
                await uow.store.retry_outbox(item.id, at=MONDAY, outcome="", count_attempt=False)
        await uow.commit()

    await link(tg, dc)
    o = m.OutboxMessage
    async with engine.connect() as connection:
        rows = (
            await connection.execute(select(o.learner_id, o.kind, o.local_date, o.status))
        ).all()
    assert sorted((r.kind, r.local_date, r.status) for r in rows) == [
        ("plan", monday, "sent"),  # kept, so Monday's plan is not sent again
        ("plan", tuesday, "pending"),  # Telegram's own
    ]
    assert {r.learner_id for r in rows} == {ids["telegram"]}


async def test_review_cards_and_quizzes_move_to_the_survivor(
    coach: Coach, clock: FrozenClock, engine: AsyncEngine
) -> None:
    tg, dc = telegram(coach), discord(coach)
    await tg.say("/start")
    await dc.say("/start")
    uow_factory = SqlUnitOfWorkFactory(make_sessions(engine))
    old, _ = review(None, Recall.GOOD, MONDAY - timedelta(days=20))
    recent, recent_due = review(None, Recall.FORGOT, MONDAY - timedelta(days=1))
    async with uow_factory() as uow:
        store = uow.store
        tg_id = (await store.load("telegram", "tg-ada")).learner_id  # type: ignore[union-attr]
        dc_id = (await store.load("discord", "dc-ada")).learner_id  # type: ignore[union-attr]
        await store.save_review(
            tg_id, "q1", card=old, due=MONDAY + timedelta(days=30), lapsed=False
        )
        await store.save_review(dc_id, "q1", card=recent, due=recent_due, lapsed=True)
        await store.save_review(dc_id, "q2", card=recent, due=recent_due, lapsed=True)
        await store.add_quiz(
            dc_id, kind="quiz", question_id="q1", option_order="0,1", correct_option=0, at=MONDAY
        )
        await uow.commit()

    await link(tg, dc)
    r = m.ReviewCard
    async with engine.connect() as connection:
        cards = {
            row.subject: row
            for row in await connection.execute(
                select(r.learner_id, r.subject, r.card, r.due, r.reviews, r.lapses)
            )
        }
        quiz_owner = await connection.scalar(select(m.QuizDelivery.learner_id))
    assert set(cards) == {"q1", "q2"}
    assert {row.learner_id for row in cards.values()} == {tg_id} == {quiz_owner}
    # The card reviewed last wins; the counts add up.
    assert (cards["q1"].card, cards["q1"].due) == (recent, recent_due)
    assert (cards["q1"].reviews, cards["q1"].lapses) == (2, 1)


async def test_a_console_learner_links_with_telegram(coach: Coach, clock: FrozenClock) -> None:
    console = Learner(coach, "local", platform="console")
    tg = telegram(coach)
    await console.say("/start")
    await console.say("/done")
    reply = await link(console, tg)
    assert "Linked: The console and Telegram now share one progress." in reply
    assert "Kept: your settings from the console." in reply
    assert "Items done: 1 of 172" in await tg.say("/progress")
