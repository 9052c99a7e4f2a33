"""What the coach reports about its own work, to whoever watches it; nobody, by default.

The core reports each update it handles; the scheduler, built on the core, reports its
sends and ticks through the same port. The composition root plugs in metrics; the core
never knows which.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Protocol

# The platform update being handled, for log lines written meanwhile (never its text).
current_update: ContextVar[str | None] = ContextVar("current_update", default=None)


class UpdateMeter(Protocol):
    """One platform's updates of one kind, looked up once per update."""

    def received(self) -> None: ...

    def handled(self, seconds: float) -> None:
        """Answered, AlreadyHandled included, after `seconds` of handling."""
        ...

    def failed(self, seconds: float) -> None:
        """Answered with an apology: nothing was changed."""
        ...


class Observer(Protocol):
    def update(self, platform: str, kind: str) -> UpdateMeter:
        """`kind` is a command's name, or `quiz_answer`, `import` or `unparsed`."""
        ...

    def sent(self, platform: str, outcome: str) -> None:
        """An outbox row's try: `sent`, `retried`, `429`, `403` or `failed`."""
        ...

    def ticked(self, seconds: float) -> None:
        """A scheduler tick ran for `seconds`."""
        ...


class _Unobserved:
    """The default: every report is a no-op, and one object answers them all."""

    def update(self, platform: str, kind: str) -> UpdateMeter:
        return self

    def sent(self, platform: str, outcome: str) -> None:
        pass

    def ticked(self, seconds: float) -> None:
        pass

    def received(self) -> None:
        pass

    def handled(self, seconds: float) -> None:
        pass

    def failed(self, seconds: float) -> None:
        pass


_QUIET = _Unobserved()
UNOBSERVED: Observer = _QUIET
UNMETERED: UpdateMeter = _QUIET
