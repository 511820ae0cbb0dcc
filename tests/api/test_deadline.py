"""The deadline cuts a slow call on the main thread (timer) and on any other thread (pool)."""

from __future__ import annotations

import signal
import threading
import time

import pytest

from substitute.api.deadline import POOL_THREADS, Deadline, DeadlineMissed, Saturated


def _spin(seconds: float) -> str:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:  # pure Python: interruptible at any bytecode
        pass
    return "done"


def test_a_fast_call_returns_its_value_and_leaves_no_timer_behind():
    assert Deadline(0.5).run(lambda: 42) == 42
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    assert signal.getsignal(signal.SIGALRM) in (signal.SIG_DFL, signal.default_int_handler, None)


def test_the_timer_cuts_a_slow_call_on_the_main_thread():
    started = time.perf_counter()
    with pytest.raises(DeadlineMissed):
        Deadline(0.05).run(lambda: _spin(2.0))
    assert time.perf_counter() - started < 0.5
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_a_sleeping_call_is_cut_too():
    started = time.perf_counter()
    with pytest.raises(DeadlineMissed):
        Deadline(0.05).run(lambda: time.sleep(2.0))
    assert time.perf_counter() - started < 0.5


def test_someone_elses_alarm_is_left_alone_and_the_pool_enforces_the_deadline():
    fired = []
    previous = signal.signal(signal.SIGALRM, lambda *a: fired.append(True))
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.3)
        with pytest.raises(DeadlineMissed):
            Deadline(0.05).run(lambda: time.sleep(0.1))
        assert signal.getitimer(signal.ITIMER_REAL)[0] > 0  # their timer still runs
        time.sleep(0.4)
        assert fired == [True]
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def test_off_the_main_thread_the_pool_cuts_the_call_and_reports_saturation():
    deadline = Deadline(0.05)
    results: list[object] = []

    def ask(fn):
        try:
            results.append(deadline.run(fn))
        except (DeadlineMissed, Saturated) as exc:
            results.append(type(exc))

    worker = threading.Thread(target=ask, args=(lambda: "quick",))
    worker.start()
    worker.join()
    assert results == ["quick"]

    results.clear()
    gate = threading.Event()
    threads = [threading.Thread(target=ask, args=(gate.wait,)) for _ in range(POOL_THREADS + 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    gate.set()
    # Every pool thread is held by a late call: the extra caller is told at once.
    assert results.count(DeadlineMissed) == POOL_THREADS
    assert results.count(Saturated) == 1
