"""Run a call with a hard deadline, as cheaply as the calling thread allows.

In a process's main thread (gunicorn's sync workers, the test client) a
one-shot interval timer raises :class:`DeadlineMissed` inside the call: two
system calls per request and no thread hand-off. Anywhere else (the threaded
development server, gthread workers) the call runs on a small thread pool and
is awaited for at most the deadline; a late call finishes on its thread and
its answer is dropped. Measured at 50,000 SKUs, the hand-off through a pool
cost more than the recommendation itself, which is why it is only the
fallback.

The call must be safe to abandon half-way: the recommender only reads its
snapshot, so an interrupted call leaves nothing behind.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import TypeVar

__all__ = ["Deadline", "DeadlineMissed", "Saturated"]

T = TypeVar("T")

#: Calls that may run at once on the pool; all busy means "answer without it".
POOL_THREADS = 4


class DeadlineMissed(Exception):
    """The call did not finish in time."""


class Saturated(Exception):
    """Every pool thread is busy with an earlier (late) call."""


class Deadline:
    """``Deadline(seconds).run(fn)``: ``fn()``, or :class:`DeadlineMissed` after ``seconds``."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._armed = False
        self._pool: ThreadPoolExecutor | None = None
        self._pool_pid: int | None = None
        self._busy = 0
        self._busy_lock = threading.Lock()

    def run(self, fn: Callable[[], T]) -> T:
        if (
            hasattr(signal, "setitimer")
            and threading.current_thread() is threading.main_thread()
            and signal.getitimer(signal.ITIMER_REAL)[0] == 0  # nobody else's alarm is set
        ):
            return self._run_with_timer(fn)
        return self._run_on_pool(fn)

    # --- main thread: an interval timer -------------------------------------------

    def _on_alarm(self, signum: int, frame: object) -> None:
        if self._armed:  # a signal that lands after the call returned is ignored
            self._armed = False
            raise DeadlineMissed

    def _run_with_timer(self, fn: Callable[[], T]) -> T:
        previous = signal.signal(signal.SIGALRM, self._on_alarm)
        try:
            try:
                self._armed = True
                signal.setitimer(signal.ITIMER_REAL, self.seconds)
                return fn()
            finally:
                self._armed = False
                signal.setitimer(signal.ITIMER_REAL, 0)
        finally:
            signal.signal(signal.SIGALRM, previous)

    # --- other threads: a pool ---------------------------------------------------------

    def _executor(self) -> ThreadPoolExecutor:
        # Threads do not survive a fork: each gunicorn worker makes its own pool.
        if self._pool is None or self._pool_pid != os.getpid():
            self._pool = ThreadPoolExecutor(POOL_THREADS, thread_name_prefix="deadline")
            self._pool_pid = os.getpid()
        return self._pool

    def _run_on_pool(self, fn: Callable[[], T]) -> T:
        with self._busy_lock:
            if self._busy >= POOL_THREADS:
                raise Saturated
            self._busy += 1

        def tracked() -> T:
            try:
                return fn()
            finally:
                with self._busy_lock:
                    self._busy -= 1

        future = self._executor().submit(tracked)
        try:
            return future.result(timeout=self.seconds)
        except FutureTimeout:
            raise DeadlineMissed from None
