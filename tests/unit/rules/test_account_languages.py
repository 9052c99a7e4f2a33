"""/link and /export in Russian: the coach's words translated, the code and the data as
they are."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest

from core.accounts import views
from core.accounts.model import EXPORT_FORMAT
from core.app.coach import Coach
from core.kernel.i18n import speaking
from core.kernel.refs import LearnerRef
from core.kernel.reply import Reply
from tests.conftest import Learner

CYRILLIC = re.compile("[а-яё]", re.IGNORECASE)


def russian(coach: Coach, platform: str, name: str) -> Learner:
    learner = Learner(coach, name, platform=platform)
    learner.ref = LearnerRef(platform, name, name.title(), language="ru")
    return learner


def code_in(text: str) -> str:
    match = re.search(r"/link ([A-Z0-9]{6})\b", text)
    assert match, text
    return match[1]


async def test_link_is_answered_in_russian(coach: Coach) -> None:
    ivan = russian(coach, "telegram", "ivan")
    await ivan.say("/start")
    issued = await ivan.say("/link")
    code = code_in(issued)
    assert f"Ваш код для связи: {code}" in issued
    assert "10 минут" in issued and "Telegram" in issued
    assert "Your link code" not in issued

    on_discord = russian(coach, "discord", "ivan-dc")
    wrong = await on_discord.say("/link ABCDEF")
    assert "ещё 4 попытки" in wrong and "Ничего не изменилось." in wrong
    linked = await on_discord.say(f"/link {code}")
    assert linked.startswith("Связано: Telegram и Discord теперь с общим прогрессом.")
    assert "Linked" not in linked and "Kept" not in linked


async def test_export_is_introduced_in_russian_and_its_data_stays_data(coach: Coach) -> None:
    english = Learner(coach, "ada")
    await english.say("/start")
    await english.say("/export")
    assert english.last is not None and english.last.attachment is not None

    ivan = russian(coach, "test", "ivan")
    await ivan.say("/start")
    said = await ivan.say("/export")
    assert said == "Вот всё, что я храню о вас, в формате JSON."
    assert ivan.last is not None and ivan.last.attachment is not None
    document = json.loads(ivan.last.attachment.content)
    assert document["format"] == EXPORT_FORMAT
    # The same keys as anyone's export: the data's names are not words to translate.
    assert document.keys() == json.loads(english.last.attachment.content).keys()


async def test_export_names_the_linked_accounts_in_russian(coach: Coach) -> None:
    ivan = russian(coach, "console", "ivan")
    await ivan.say("/start")
    code = code_in(await ivan.say("/link"))
    await russian(coach, "telegram", "ivan-tg").say(f"/link {code}")
    await ivan.say("/export")
    assert ivan.last is not None
    reply: Reply = ivan.last
    lines = reply.plain_text().splitlines()
    assert lines[1] == "Связанные аккаунты: консоль (Ivan), Telegram (Ivan-Tg)."


@pytest.mark.parametrize(
    ("minutes", "form"), [(1, "минуту"), (3, "минуты"), (5, "минут"), (21, "минуту")]
)
def test_russian_waits_take_their_plural_form(minutes: int, form: str) -> None:
    with speaking("ru"):
        said = views.link_locked(timedelta(minutes=minutes)).plain_text()
    assert f"Попробуйте снова через {minutes} {form}." in said
    assert CYRILLIC.search(said.splitlines()[0])
