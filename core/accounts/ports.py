"""The storage linking, export and forgetting need."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from core.accounts.model import LinkCode, MergedEnrollment
from core.kernel.refs import LearnerRef
from core.learning.ports import LearningUnitOfWork


class LinkCodes(Protocol):
    async def issue(
        self, who: LearnerRef, *, code_hash: str, at: datetime, expires_at: datetime
    ) -> None:
        """Stores a code for this identity's learner, replacing any code they had."""
        ...

    async def find(self, code_hash: str, *, now: datetime) -> LinkCode | None:
        """The code if it is stored and has not expired."""
        ...

    async def use(self, code_hash: str, *, now: datetime) -> bool:
        """Deletes a live code; False if it is gone or expired (another redeemed it first)."""
        ...

    async def failures(self, who: LearnerRef, *, since: datetime) -> list[datetime]:
        """When this identity typed a wrong code, since `since`."""
        ...

    async def add_failure(self, who: LearnerRef, *, at: datetime, forget_before: datetime) -> None:
        """Records a wrong code; failures older than `forget_before` (anyone's) go."""
        ...


class Confirmations(Protocol):
    """One-time tokens a destructive action waits for, each for one learner and action."""

    async def issue(
        self,
        learner_id: int,
        *,
        action: str,
        token_hash: str,
        at: datetime,
        expires_at: datetime,
        replace: bool = True,
    ) -> None:
        """Stores a token, replacing the learner's earlier one for this action unless
        `replace` is False (a web session beside another device's); expired tokens
        (anyone's) go."""
        ...

    async def redeem(self, *, action: str, token_hash: str, now: datetime) -> int | None:
        """Deletes a live token for this action and says whose it was; None if there is
        none: used already, expired or never issued."""
        ...

    async def holder(self, *, action: str, token_hash: str, now: datetime) -> int | None:
        """Whose live token for this action this is, leaving it in place; None if none."""
        ...

    async def use(self, learner_id: int, *, action: str, token_hash: str, now: datetime) -> bool:
        """Deletes the learner's live token for this action; False if there is none: used
        already, expired, another learner's or never issued."""
        ...


class Accounts(Protocol):
    """Everything stored about a learner, taken as a whole."""

    async def export(self, learner_id: int) -> dict[str, Any]:
        """Every row the learner has, by section (EXPORT_SECTIONS): "learner" is one
        object, every other section a list, each in the order of its primary key. Dates
        are ISO strings; docs/export.md describes every field."""
        ...

    async def absorb(
        self, survivor_id: int, absorbed_id: int, merged: list[MergedEnrollment]
    ) -> None:
        """Moves everything the absorbed learner has to the survivor, then deletes them.

        `merged` covers the tracks both were on; the absorbed side's other enrollments
        move over inactive. Pending outbox rows of the absorbed learner are dropped, so
        nobody is nudged twice.
        """
        ...

    async def forget(self, learner_id: int) -> None: ...


class AccountUnitOfWork(LearningUnitOfWork, Protocol):
    @property
    def links(self) -> LinkCodes: ...

    @property
    def accounts(self) -> Accounts: ...

    @property
    def confirmations(self) -> Confirmations: ...
