"""The core's own error types; adapters and storage translate theirs into these."""


class CoachError(Exception):
    """Base of every error the core raises on purpose."""


class StorageError(CoachError):
    """The database failed; the unit of work was rolled back."""


class TrackError(CoachError):
    """A track's content is invalid."""


class AlreadyDone(CoachError):
    """The item was completed concurrently (a double tap, a redelivered update)."""
