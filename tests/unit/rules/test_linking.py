"""/link: one learner across platforms, their progress merged, with codes that are short
lived, used once and not guessed."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta

from core.accounts.linking import CODE_ALPHABET, code_hash
from core.app.coach import Coach
from core.kernel.clock import FrozenClock
from core.kernel.reply import ALREADY_HANDLED, Reply
from core.learning.tracks import BuiltinCatalog, builtin_track
from core.outreach.model import Kind, NewOutboxItem, Recipient, Status
from core.quizzes.review import Recall, review
from tests.conftest import MONDAY_MORNING, Learner
from tests.fakes.memory import MemoryDatabase, MemoryUnitOfWorkFactory
from tests.unit.rules.support import enrollment, rows, snapshot, ticks

WEEK1 = builtin_track().weeks[0]
WEEK2 = builtin_track().weeks[1]
ROADMAP = b"""# SQL in three weeks

## Week 1: Basics
- [ ] SELECT and WHERE
- [ ] ORDER BY and LIMIT

## Week 2: Joins
- Inner joins
- Outer joins

## Week 3: Indexes
- B-trees
"""


def on(day: int, hour: int = 18) -> datetime:
    """16 = Monday 16 November 2026."""
    return datetime(2026, 11, day, hour, 0, tzinfo=UTC)


def code_in(text: str) -> str:
    match = re.search(r"/link ([A-Z0-9]{6})\b", text)
    assert match, text
    return match[1]


async def link(issuer: Learner, joiner: Learner) -> str:
    return await joiner.say(f"/link {code_in(await issuer.say('/link'))}")


def telegram(coach: Coach, name: str = "ada") -> Learner:
    return Learner(coach, f"tg-{name}", platform="telegram")


def discord(coach: Coach, name: str = "ada") -> Learner:
    return Learner(coach, f"dc-{name}", platform="discord")


async def learner_id(uow: MemoryUnitOfWorkFactory, learner: Learner) -> int:
    found = await snapshot(uow, learner.ref)
    assert found is not None
    return found.learner_id


async def one_learner(uow: MemoryUnitOfWorkFactory, *sides: Learner) -> int:
    ids = {await learner_id(uow, side) for side in sides}
    assert len(ids) == 1, ids
    return ids.pop()


async def test_a_code_is_short_lived_unambiguous_and_stored_only_as_a_hash(
    coach: Coach, database: MemoryDatabase
) -> None:
    tg = telegram(coach)
    reply = await tg.say("/link")  # no /start needed: a learner is made for the code
    code = code_in(reply)
    assert set(code) <= set(CODE_ALPHABET)
    assert "Telegram" in reply
    [stored] = database.link_codes.rows.values()
    assert stored.code_hash == code_hash(code) != code
    assert stored.expires_at == MONDAY_MORNING + timedelta(minutes=10)
    assert rows(database, "learners") == 1
    # A new code replaces the unused one.
    second = code_in(await tg.say("/link"))
    assert rows(database, "link_codes") == 1
    if second != code:
        assert "does not work" in await discord(coach).say(f"/link {code}")


async def test_progress_on_the_same_track_is_merged(
    coach: Coach, clock: FrozenClock, database: MemoryDatabase, uow: MemoryUnitOfWorkFactory
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
    assert "Telegram and Discord" in reply
    assert "Merged" not in reply  # Discord had nothing Telegram lacked

    await one_learner(uow, tg, dc)
    assert (rows(database, "learners"), rows(database, "enrollments")) == (1, 1)
    assert {c.item_id: c.done_on for c in await ticks(uow, dc.ref)} == {
        WEEK1.items[0].id: date(2026, 11, 16),  # the earlier date wins
        WEEK1.items[1].id: date(2026, 11, 17),
    }
    for side in (tg, dc):
        assert "Streak: 3 days." in await side.say("/today")  # Mon, Tue and Wed
        progress = await side.say("/progress")
        assert "Items done: 2 of 172" in progress
        assert "Hours logged in total: 1." in progress
    assert await tg.say("/today") == await dc.say("/today")
    assert "Reflection notes this week: 1" in await tg.say("/week")


async def test_ticks_from_both_sides_can_complete_a_week(
    coach: Coach, clock: FrozenClock, uow: MemoryUnitOfWorkFactory
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
    assert "Discord and Telegram" in reply
    assert "Merged 4 done items" in reply
    e = await enrollment(uow, tg.ref)
    assert (e.current_week_id, e.week_opened_on) == (WEEK2.id, date(2026, 11, 18))
    async with uow() as work:
        done = await work.ticks.of_enrollment(e.id)
    assert len(done) == 7
    assert [c.item_id for c in done if c.completes_week] == [WEEK1.items[-1].id]


async def test_different_tracks_are_all_kept(
    coach: Coach, database: MemoryDatabase, uow: MemoryUnitOfWorkFactory
) -> None:
    tg, dc = telegram(coach), discord(coach)
    await tg.say("/start")
    await tg.say("/done")
    preview = await coach.import_roadmap(dc.ref, "sql.md", ROADMAP)
    assert isinstance(preview, Reply)
    button = preview.all_buttons[0]  # start it, at the first pace offered
    await dc.press(button.action)
    await dc.say("/done")

    assert "Merged 1 done item" in await link(tg, dc)
    survivor = await one_learner(uow, tg, dc)
    async with uow() as work:
        tracks = [e.track_id for e in await work.enrollments.of_learner(survivor)]
    track_id = button.action.removeprefix("start:").split()[0]
    assert tracks == ["python-backend", track_id]
    # Telegram's active track stays active.
    assert (await enrollment(uow, dc.ref)).track_id == "python-backend"
    await dc.say(f"/settings track {track_id}")
    assert (await enrollment(uow, tg.ref)).track_id == track_id
    assert len(await ticks(uow, tg.ref)) == 1  # Discord's tick on the imported track is there
    assert rows(database, "learners") == 1


async def test_one_side_without_a_track(
    coach: Coach, database: MemoryDatabase, uow: MemoryUnitOfWorkFactory
) -> None:
    tg, dc = telegram(coach), discord(coach)
    await dc.say("/start")
    await dc.say("/done")
    reply = await link(tg, dc)  # Telegram has never started
    assert "Telegram had not started" in reply
    assert "Merged 1 done item" in reply
    assert await tg.say("/today") == await dc.say("/today")
    assert "Items done: 1 of 172" in await tg.say("/progress")
    e = await enrollment(uow, tg.ref)
    assert e.next_nudge_at is not None  # it is nudged from its new home

    # And the other way round: a console identity that never wrote before joins.
    console = Learner(coach, "local", platform="console")
    assert "Telegram, Discord and the console" in await link(tg, console)
    assert "Items done: 1 of 172" in await console.say("/progress")
    await one_learner(uow, tg, dc, console)
    assert rows(database, "learners") == 1


async def test_expired_used_and_wrong_codes_are_refused(
    coach: Coach, clock: FrozenClock, database: MemoryDatabase, uow: MemoryUnitOfWorkFactory
) -> None:
    tg, dc, console = telegram(coach), discord(coach), Learner(coach, "me", platform="console")
    await tg.say("/start")
    await dc.say("/start")
    code = code_in(await tg.say("/link"))
    clock.advance(timedelta(minutes=10))
    assert "does not work" in await dc.say(f"/link {code}")
    assert "does not look like a link code" in await dc.say("/link 12345")
    assert rows(database, "learners") == 2

    code = code_in(await tg.say("/link"))
    assert "Linked" in await dc.say(f"/link {code.lower()[:3]}-{code.lower()[3:]}")
    assert "does not work" in await console.say(f"/link {code}")  # used once already
    await one_learner(uow, tg, dc)
    assert rows(database, "learners") == 1  # a wrong guess makes no learner


async def test_own_code_already_linked_and_same_platform_change_nothing(
    coach: Coach, database: MemoryDatabase
) -> None:
    tg, dc, other_tg = telegram(coach), discord(coach), telegram(coach, "bob")
    await tg.say("/start")
    await other_tg.say("/start")
    code = code_in(await tg.say("/link"))
    assert "this account" in await tg.say(f"/link {code}")
    same = await other_tg.say(f"/link {code}")
    assert "only one Telegram account" in same
    assert rows(database, "learners") == 2
    assert "Linked" in await dc.say(f"/link {code}")  # none of those used the code up

    assert "already linked" in await link(tg, dc)
    assert "already linked" in await link(dc, tg)
    assert rows(database, "identities") == 3
    assert rows(database, "link_failures") == 0  # only wrong codes count as guesses


async def test_wrong_codes_lock_out_for_the_rest_of_ten_minutes(
    coach: Coach, clock: FrozenClock, uow: MemoryUnitOfWorkFactory
) -> None:
    tg, dc = telegram(coach), discord(coach)
    await tg.say("/start")
    replies = []
    for n in range(5):
        replies.append(await dc.say("/link ZZZZZ" + "23456"[n]))
        clock.advance(timedelta(minutes=1))
    assert "4 more tries" in replies[0]
    assert "last try" in replies[-1]
    code = code_in(await tg.say("/link"))
    # Another worker, sharing only the storage, refuses too.
    worker = Coach(uow, clock, BuiltinCatalog())
    locked = await worker.handle(dc.ref, f"/link {code}")
    assert isinstance(locked, Reply)
    assert "Try again in 5 minutes." in locked.plain_text()  # the first was 5 minutes ago
    clock.advance(timedelta(minutes=5))
    assert "Linked" in await link(tg, dc)


async def test_a_redelivered_update_links_once(coach: Coach, database: MemoryDatabase) -> None:
    tg, dc = telegram(coach), discord(coach)
    await tg.say("/start")
    await dc.say("/start")
    first = await coach.handle(tg.ref, "/link", update_key="tg:1")
    assert isinstance(first, Reply)
    assert await coach.handle(tg.ref, "/link", update_key="tg:1") == ALREADY_HANDLED
    code = code_in(first.plain_text())
    reply = await coach.handle(dc.ref, f"/link {code}", update_key="dc:1")
    assert isinstance(reply, Reply) and "Linked" in reply.plain_text()
    assert await coach.handle(dc.ref, f"/link {code}", update_key="dc:1") == ALREADY_HANDLED
    assert rows(database, "learners") == 1
    assert rows(database, "link_failures") == 0


async def test_export_lists_both_accounts_and_forget_removes_everything(
    coach: Coach, database: MemoryDatabase
) -> None:
    tg, dc = telegram(coach), discord(coach)
    await tg.say("/start")
    await dc.say("/link ABCDEF")  # a wrong guess, which is kept for a while
    await link(tg, dc)
    await dc.say("/done")
    await tg.say("/link")  # a live code
    await dc.say("/export")
    assert dc.last is not None and dc.last.attachment is not None
    assert "Telegram (Tg-Ada), Discord (Dc-Ada)" in dc.last.plain_text()
    data = json.loads(dc.last.attachment.content)
    assert [(i["platform"], i["external_id"]) for i in data["identities"]] == [
        ("telegram", "tg-ada"),
        ("discord", "dc-ada"),
    ]
    await tg.say("/forget")
    assert tg.last is not None
    await tg.press(tg.last.all_buttons[0].action)
    for table in database.tables:
        assert rows(database, table) == 0, table
    assert "/start" in await dc.say("/today")


async def test_pending_nudges_of_the_absorbed_learner_are_dropped(
    coach: Coach, database: MemoryDatabase, uow: MemoryUnitOfWorkFactory
) -> None:
    tg, dc = telegram(coach), discord(coach)
    await tg.say("/start")
    await dc.say("/start")
    tg_id, dc_id = await learner_id(uow, tg), await learner_id(uow, dc)
    monday, tuesday = date(2026, 11, 16), date(2026, 11, 17)
    now = MONDAY_MORNING
    async with uow() as work:
        await work.outbox.enqueue(
            [
                NewOutboxItem(Recipient.learner(tg_id), Kind.PLAN, tuesday, now, now),
                NewOutboxItem(Recipient.learner(dc_id), Kind.PLAN, tuesday, now, now),
                NewOutboxItem(Recipient.learner(dc_id), Kind.EVENING, monday, now, now),
                NewOutboxItem(Recipient.learner(dc_id), Kind.PLAN, monday, now, now),
            ]
        )
        for item in await work.outbox.claim(now, lease_until=now, worker="w", limit=10):
            if (item.recipient.id, item.kind, item.local_date) == (dc_id, "plan", monday):
                # Monday's plan has gone to Discord already.
                await work.outbox.finish(
                    item.id, status=Status.SENT, at=now, outcome="plan", to=dc.ref
                )
        await work.commit()

    await link(tg, dc)
    left = sorted(
        (r.recipient, r.kind, r.local_date, r.status) for r in database.outbox.rows.values()
    )
    assert left == [
        (Recipient.learner(tg_id), "plan", monday, "sent"),  # so Monday's is not sent again
        (Recipient.learner(tg_id), "plan", tuesday, "pending"),  # Telegram's own
    ]


async def test_review_cards_and_quizzes_move_to_the_survivor(
    coach: Coach, database: MemoryDatabase, uow: MemoryUnitOfWorkFactory
) -> None:
    tg, dc = telegram(coach), discord(coach)
    await tg.say("/start")
    await dc.say("/start")
    tg_id, dc_id = await learner_id(uow, tg), await learner_id(uow, dc)
    old, _ = review(None, Recall.GOOD, MONDAY_MORNING - timedelta(days=20))
    recent, recent_due = review(None, Recall.FORGOT, MONDAY_MORNING - timedelta(days=1))
    async with uow() as work:
        later = MONDAY_MORNING + timedelta(days=30)
        await work.reviews.save(tg_id, "q1", card=old, due=later, lapsed=False)
        await work.reviews.save(dc_id, "q1", card=recent, due=recent_due, lapsed=True)
        await work.reviews.save(dc_id, "q2", card=recent, due=recent_due, lapsed=True)
        quiz_id = await work.quizzes.add(
            dc_id,
            kind="quiz",
            question_id="q1",
            option_order="0,1",
            correct_option=0,
            at=MONDAY_MORNING,
        )
        await work.quizzes.set_ref(quiz_id, platform="discord", poll_ref="p1")
        await work.commit()

    await link(tg, dc)
    merged = database.cards.rows[tg_id, "q1"]
    assert (merged.reviews, merged.lapses) == (2, 1)  # both sides' reviews count
    async with uow() as work:
        assert await work.reviews.due(tg_id) == {"q1": recent_due, "q2": recent_due}
        assert await work.reviews.card(tg_id, "q1") == recent  # the card reviewed last wins
        assert await work.reviews.due(dc_id) == {}
        quiz = await work.quizzes.find("discord", "p1")
    assert quiz is not None and quiz.learner_id == tg_id


async def test_a_console_learner_links_with_telegram(
    coach: Coach, uow: MemoryUnitOfWorkFactory
) -> None:
    console = Learner(coach, "local", platform="console")
    tg = telegram(coach)
    await console.say("/start")
    await console.say("/done")
    reply = await link(console, tg)
    assert "the console and Telegram" in reply
    assert "from the console" in reply
    await one_learner(uow, console, tg)
    assert "Items done: 1 of 172" in await tg.say("/progress")
