"""The core's own error types; adapters and storage translate theirs into these."""


class CoachError(Exception):
    """Base of every error the core raises on purpose."""


class StorageError(CoachError):
    """The database failed; the unit of work was rolled back."""


class ConflictError(StorageError):
    """A concurrent transaction won a race (a key taken a moment ago, a deadlock): the
    same work, run again from the start, sees the winner's effect and may well succeed."""


class TrackError(CoachError):
    """A track's content is invalid."""


class AlreadyDone(CoachError):
    """The item was completed concurrently (a double tap, a redelivered update)."""


class DeliveryError(CoachError):
    """A platform did not take a message the coach wrote first (a nudge, a digest)."""


class Unreachable(DeliveryError):
    """The person blocked the bot or never opened a chat with it: stop writing to them."""


class RetryLater(DeliveryError):
    """The platform's flood control named how long to wait before the next try."""

    def __init__(self, after: float, detail: str = "") -> None:
        super().__init__(detail or f"retry after {after:g} s")
        self.after = after


class TemporaryFailure(DeliveryError):
    """A server error or a timeout: the same message may go through on another try."""


class PermanentFailure(DeliveryError):
    """The platform refused the message itself; trying again would fail the same way."""
