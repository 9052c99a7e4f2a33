"""The storage's contract suites run on the memory fake beside each real backend, so what
the rule tests learn on the fake holds for SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from core.app.ports import UnitOfWork
from core.kernel.ports import UnitOfWorkFactory
from core.learning.model import NewEnrollment
from core.learning.pace import Pace
from core.storage.engine import make_sessions
from core.storage.unit_of_work import SqlUnitOfWorkFactory
from tests.conftest import BACKENDS
from tests.fakes.memory import MemoryUnitOfWorkFactory

Factory = UnitOfWorkFactory[UnitOfWork]
MONDAY = date(2026, 11, 16)


@pytest.fixture(params=["memory", *BACKENDS])
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The fake beside each real backend."""
    if request.param == "memory":
        return "memory"
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('db') / 'coach.db'}"
    return str(request.getfixturevalue("migrated_postgres_url"))


@pytest.fixture
def uow(request: pytest.FixtureRequest, database_url: str) -> Factory:
    if database_url == "memory":
        return MemoryUnitOfWorkFactory()
    return SqlUnitOfWorkFactory(make_sessions(request.getfixturevalue("engine")))


def new_enrollment(track_id: str = "python-backend", **changes: object) -> NewEnrollment:
    """A Berlin learner on a standard pace, Monday, Wednesday and Friday at 07:45."""
    fields: dict[str, object] = {
        "track_id": track_id,
        "started_on": MONDAY,
        "pace": Pace.STANDARD,
        "timezone": "Europe/Berlin",
        "study_days": frozenset({0, 2, 4}),
        "nudge_time": time(7, 45),
        "current_week_id": "w01",
        "next_nudge_at": datetime(2026, 11, 16, 6, 45, tzinfo=UTC),
        **changes,
    }
    return NewEnrollment(**fields)  # type: ignore[arg-type]
