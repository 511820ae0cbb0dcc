"""Wiring of the checkout path: the snapshot service, its data source and the refresh thread."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Hashable

from flask import Flask
from sqlalchemy import Engine, func, select

from substitute.api.serving import PROBE_S, CheckoutService
from substitute.api.state import AppState, state

log = logging.getLogger(__name__)

CHECKOUT = "checkout"
REFRESHER = "refresher"
#: Seconds between two reloads of the in-memory key ring (a revoked key works at most this long).
KEYS_REFRESH_S = 30.0


def data_fingerprint(engine: Engine) -> Hashable:
    """What the snapshot was built from: changes when a model, master data or a forecast changes.

    Offer events (which the API itself ingests all day) are left out: they
    feed the next training, not the snapshot in service.
    """
    from substitute.db.models import ForecastRun, IngestBatch, ModelArtifact

    with engine.connect() as conn:
        version = conn.execute(
            select(ModelArtifact.version).where(ModelArtifact.is_current.is_(True))
        ).scalar()
        batch = conn.execute(
            select(func.max(IngestBatch.id)).where(
                IngestBatch.kind != "events", IngestBatch.status == "active"
            )
        ).scalar()
        run = conn.execute(select(func.max(ForecastRun.id)).where(ForecastRun.is_current.is_(True))).scalar()
    return (version, batch, run)


class Refresher:
    """One daemon thread per process running periodic tasks; restarted after a fork."""

    def __init__(self, tasks: list[tuple[float, Callable[[], object]]]) -> None:
        self.tasks = tasks
        self._pid: int | None = None
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self.thread: threading.Thread | None = None

    def ensure_started(self) -> None:
        if self._pid == os.getpid():
            return
        with self._lock:
            if self._pid == os.getpid():
                return
            self._stop = threading.Event()
            self.thread = threading.Thread(target=self._run, name="snapshot-refresh", daemon=True)
            self.thread.start()
            self._pid = os.getpid()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self.thread is not None:
            self.thread.join(timeout)
        self._pid = None

    def _run(self) -> None:
        due = [0.0] * len(self.tasks)
        while not self._stop.is_set():
            now = time.monotonic()
            for i, (every, task) in enumerate(self.tasks):
                if now >= due[i]:
                    try:
                        task()
                    except Exception:  # a task failure must not end the thread
                        log.exception("background task %s failed", getattr(task, "__name__", task))
                    due[i] = time.monotonic() + every
            self._stop.wait(min(every for every, _ in self.tasks) / 4)


def _service(st: AppState) -> CheckoutService:
    from substitute.recommend.snapshot import load_snapshot

    engine, settings = st.engine, st.settings
    return CheckoutService(
        lambda: load_snapshot(engine, settings),
        lambda: data_fingerprint(engine),
        deadline_s=settings.api.deadline_ms / 1e3,
    )


def checkout(app: Flask | None = None) -> CheckoutService:
    return state(app).parts[CHECKOUT]


def warm(app: Flask) -> CheckoutService:
    """Load the snapshot and the keys now (before gunicorn forks its workers, so they share them)."""
    from substitute.api.auth import KEYRING

    st = state(app)
    service: CheckoutService = st.parts[CHECKOUT]
    service.refresh(force=True)
    try:
        st.parts[KEYRING].refresh()
    except Exception as exc:  # the refresh thread tries again
        log.warning("could not load the API keys: %s", exc)
    return service


def init_app(app: Flask) -> None:
    from substitute.api.auth import KEYRING

    st = state(app)
    service = st.parts[CHECKOUT] = _service(st)
    refresher = st.parts[REFRESHER] = Refresher(
        [(PROBE_S, service.refresh), (KEYS_REFRESH_S, st.parts[KEYRING].refresh)]
    )

    @app.before_request
    def _start_refresher() -> None:
        # Started lazily in each worker (threads do not survive gunicorn's fork);
        # tests drive refresh() themselves instead.
        if not app.testing and app.config.get("SNAPSHOT_REFRESH", True):
            refresher.ensure_started()
