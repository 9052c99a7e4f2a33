"""Fixtures shared by the end-to-end suites."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.e2e.test_telegram import ADA, BOB, TOKEN
from tests.fakes.telegram import FakeTelegram


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(token=TOKEN) as fake:
        fake.add_user(ADA, "Ada")
        fake.add_user(BOB, "Bob")
        yield fake
