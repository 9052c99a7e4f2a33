"""How the coach writes first: batch sizes, lateness, leases, retries, and how long records
are kept."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class OutreachPolicy:
    batch_size: int = 500
    # A moment missed by longer than this (the coach was down) is skipped, not sent late.
    max_lateness: timedelta = timedelta(hours=1)
    # How long a claimed row stays with its sender before another may take it over.
    lease: timedelta = timedelta(minutes=2)
    max_attempts: int = 5
    first_backoff: timedelta = timedelta(seconds=30)
    longest_backoff: timedelta = timedelta(hours=1)
    keep_update_keys: timedelta = timedelta(days=3)
    keep_finished: timedelta = timedelta(days=30)
    # A group quiz stays open this long after the digest it comes with, then is tallied.
    group_quiz_open: timedelta = timedelta(hours=8)
