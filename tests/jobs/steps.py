"""Steps for the job tests: they record calls, block on a gate, fail or hang, on demand."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import Any

from substitute.errors import DataError
from substitute.jobs.steps import StepContext

CALLS: list[tuple[str, int]] = []
GATE = threading.Event()
_lock = threading.Lock()
ACTIVE = {"now": 0, "max": 0}


def reset() -> None:
    CALLS.clear()
    GATE.clear()
    ACTIVE.update(now=0, max=0)


def record(ctx: StepContext) -> dict[str, Any]:
    with _lock:
        CALLS.append((ctx.job, ctx.run_id))
    return {"recorded": 1}


def gated(ctx: StepContext) -> dict[str, Any]:
    """Runs until the test opens the gate, counting how many runs are inside at once."""
    with _lock:
        ACTIVE["now"] += 1
        ACTIVE["max"] = max(ACTIVE["max"], ACTIVE["now"])
        CALLS.append((ctx.job, ctx.run_id))
    try:
        if not GATE.wait(20):
            raise TimeoutError("the test never opened the gate")
    finally:
        with _lock:
            ACTIVE["now"] -= 1
    return {"gated": 1}


def fail(ctx: StepContext) -> dict[str, Any]:
    raise DataError("412 of 1000 rows rejected, above the 5 % threshold")


def hang_once(ctx: StepContext) -> dict[str, Any]:
    """First call: leave a marker and hang (to be killed); later calls succeed."""
    marker = Path(ctx.options["marker"])
    if not marker.exists():
        marker.write_text(str(os.getpid()))
        time.sleep(120)
    return {"completed_after_kill": 1}
