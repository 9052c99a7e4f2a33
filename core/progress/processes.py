"""Drawing in child processes of our own, each serving one picture at a time over its stdin
and stdout, each driven by one thread of a small pool so the event loop only awaits.

Not multiprocessing: its "spawn" children first re-import the parent's __main__ (the `coach`
script's bot.cli, and whatever that imports at its top), beside a resource tracker process of
their own; "fork" would copy a running event loop's locks. A child here is a bare `python -c`
that imports only what unpickling its requests needs: Pillow and this package."""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import subprocess
import sys
import threading
import traceback
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import IO, TypeVar

T = TypeVar("T")
Draw = Callable[[T], bytes]

# The folder holding the `core` package, first on the child's path so it runs this tree's code.
ROOT = str(Path(__file__).resolve().parents[2])
BOOT = "import sys; sys.path.insert(0, sys.argv[1]); from core.progress.processes import serve; serve()"
# glibc gives a picture's freed 4 MB canvas back to the system rather than keeping it for the
# next: an idle process holds 23 MB instead of 31, for about 3 ms more a picture.
CHILD_ENV = {"MALLOC_MMAP_THRESHOLD_": str(128 * 1024)}
OK, FAILED = b"+", b"-"
LENGTH = 8  # bytes of a message's length, before the message


class DrawingFailed(Exception):
    """The drawing raised in the child, or the child ended (the next picture starts another)."""


class DrawingProcesses:
    """`at_once` threads, each with its child process, started when first needed."""

    def __init__(self, at_once: int) -> None:
        self._threads = ThreadPoolExecutor(at_once, thread_name_prefix="chart")
        self._at_once = at_once
        self._mine = threading.local()
        self._lock = threading.Lock()
        self._children: list[subprocess.Popen[bytes]] = []

    def submit(self, draw: Draw[T], picture: T) -> Future[bytes]:
        """Queued for the next free process; `draw` goes by name, so it must be importable."""
        return self._threads.submit(self._call, draw, picture)

    async def run(self, draw: Draw[T], picture: T) -> bytes:
        import asyncio  # here: a drawing process imports this module too, and asyncio is 10 MB

        return await asyncio.wrap_future(self.submit(draw, picture))

    def warm(self, draw: Draw[None]) -> list[Future[bytes]]:
        """Starts every process and has it draw once, in the background: the first picture a
        learner asks for then costs what any other does."""
        return [self.submit(draw, None) for _ in range(self._at_once)]

    def pids(self) -> list[int]:
        with self._lock:
            return [child.pid for child in self._children]

    def close(self) -> None:
        """Waits for the pictures being drawn, drops those queued, then ends the processes."""
        self._threads.shutdown(wait=True, cancel_futures=True)
        with self._lock:
            children, self._children = self._children, []
        for child in children:
            _end(child)

    def _call(self, draw: Draw[T], picture: T) -> bytes:
        request = pickle.dumps((draw, picture))  # fails here, not in the child, when it cannot go
        child, fresh = self._child()
        try:
            return self._ask(child, request)
        except _Ended:
            if fresh:
                raise
        # It had ended while it waited (killed, out of memory, ...): once more, in a new one.
        return self._ask(self._child()[0], request)

    def _ask(self, child: subprocess.Popen[bytes], request: bytes) -> bytes:
        try:
            _send(child.stdin, request)
            status = _read(child.stdout, 1)
            reply = _read(child.stdout, int.from_bytes(_read(child.stdout, LENGTH)))
        except (OSError, EOFError) as error:
            self._forget(child)
            raise _Ended(f"the drawing process ended (exit code {child.poll()})") from error
        if status != OK:
            raise DrawingFailed(reply.decode(errors="replace"))
        return reply

    def _child(self) -> tuple[subprocess.Popen[bytes], bool]:
        """This thread's process, and whether it has just been started."""
        child: subprocess.Popen[bytes] | None = getattr(self._mine, "child", None)
        if child is not None:
            return child, False
        child = subprocess.Popen(
            [sys.executable, "-c", BOOT, ROOT],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=os.environ | CHILD_ENV,
        )
        with self._lock:
            self._children.append(child)
        self._mine.child = child
        return child, True

    def _forget(self, child: subprocess.Popen[bytes]) -> None:
        self._mine.child = None
        with self._lock:
            if child in self._children:
                self._children.remove(child)
        _end(child)


class _Ended(DrawingFailed):
    pass


def _end(child: subprocess.Popen[bytes]) -> None:
    if child.stdin is not None:
        with contextlib.suppress(OSError):
            child.stdin.close()  # the child reads its end and returns
    try:
        child.wait(timeout=5)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()
    if child.stdout is not None:
        child.stdout.close()


def _send(pipe: IO[bytes] | None, message: bytes) -> None:
    if pipe is None:
        raise EOFError
    pipe.write(len(message).to_bytes(LENGTH) + message)
    pipe.flush()


def _read(pipe: IO[bytes] | None, size: int) -> bytes:
    data = pipe.read(size) if pipe is not None else b""
    if len(data) != size:
        raise EOFError
    return data


def serve() -> None:
    """The child: requests on stdin until it closes, replies on what was stdout."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's; it ends this child
    requests = sys.stdin.buffer
    replies = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # a stray print goes to stderr, never into a reply
    while header := requests.read(LENGTH):
        message = _read(requests, int.from_bytes(header))
        try:
            draw, picture = pickle.loads(message)
            status, reply = OK, draw(picture)
        except Exception:
            status, reply = FAILED, traceback.format_exc().encode()
        replies.write(status + len(reply).to_bytes(LENGTH) + reply)
        replies.flush()
