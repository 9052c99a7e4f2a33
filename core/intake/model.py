"""What the intake records: an update as its platform sent it, and the chat it belongs to."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class NewUpdate:
    platform: str
    key: str  # the platform's own id for the update: a redelivered one is recorded once
    lane: str  # the chat: updates in one lane are handled in the order they came
    payload: str  # the update as the platform sent it, to be parsed again when handled


@dataclass(frozen=True)
class RecordedUpdate:
    id: int
    key: str
    lane: str
    payload: str
    attempts: int  # times a worker has taken it, this one included
