"""Reading a roadmap with Python's cycle collector paused.

Reading a megabyte of Markdown keeps some 250,000 container objects alive at once
(markdown-it's tokens, then sections, drafts and the track), none of them in reference
cycles: reference counting frees them all. The cycle collector cannot know that: each
time the objects that survive grow by a quarter it walks every tracked object in the
process, so a large roadmap paid for several full walks of its own tokens, a cost that
grew faster than the document (none at 100 KB; about 0.45 s of 1.35 s at 1 MB). Pausing
it for the read keeps an import linear. Other threads' cycles wait for the read (under
half a second a megabyte), and when reads overlap, each one that ends collects the young
generations for them.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class _Pauses:
    """Nested and concurrent pauses (imports run a few at a time, in worker threads): the
    collector runs again when the last one ends, if it was running before the first."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._depth = 0
        self._resume = False

    def enter(self) -> None:
        with self._lock:
            if self._depth == 0:
                self._resume = gc.isenabled()
                gc.disable()
            self._depth += 1

    def leave(self) -> None:
        with self._lock:
            self._depth -= 1
            if self._depth == 0 and self._resume:
                gc.enable()
            overlapped = self._depth > 0 and self._resume
        if overlapped:
            # Another read goes on: collect what the other threads left meanwhile, so
            # back-to-back imports cannot hold the collector off for good.
            gc.collect(1)


_PAUSES = _Pauses()


@contextmanager
def collector_paused() -> Iterator[None]:
    _PAUSES.enter()
    try:
        yield
    finally:
        _PAUSES.leave()
