"""Faults for ``bench/reliability.py``: kill a gunicorn worker, hold the database's connections.

* :func:`kill_one_worker` sends SIGKILL to one of the master's worker
  processes and polls the master's children until it has its worker count
  back with a new process (gunicorn's arbiter forks the replacement).
* :class:`HeldDatabase` takes every connection slot the PostgreSQL server has
  left, and holds ``ACCESS EXCLUSIVE`` locks on the tables the app's
  background probe and key refresh read, so that no pooled connection of the
  app can be used and no new one can be opened (R6: the pool is exhausted
  and every query it could make would wait).
"""

from __future__ import annotations

import os
import signal
import time
from dataclasses import dataclass, field
from typing import Any

import psutil

#: What the app's snapshot probe and key refresh read (substitute.api.checkout, keyring).
PROBED_TABLES = ("model_artifacts", "ingest_batches", "forecast_runs", "api_keys")


def workers_of(master_pid: int) -> list[int]:
    return sorted(p.pid for p in psutil.Process(master_pid).children())


@dataclass
class Kill:
    victim: int
    at: float  # time.monotonic() of the kill
    restored_s: float | None = None  # until the master has its worker count back, with a new pid
    workers_after: list[int] = field(default_factory=list)


def kill_one_worker(master_pid: int, expected: int, *, poll_s: float = 0.005, give_up_s: float = 30) -> Kill:
    """SIGKILL the first worker of ``master_pid``; wait until ``expected`` workers run again."""
    before = workers_of(master_pid)
    if len(before) != expected:
        raise RuntimeError(f"master {master_pid} has {len(before)} workers, expected {expected}")
    victim = before[0]
    at = time.monotonic()
    os.kill(victim, signal.SIGKILL)
    kill = Kill(victim, at)
    while time.monotonic() - at < give_up_s:
        now = workers_of(master_pid)
        if len(now) == expected and victim not in now:
            kill.restored_s = time.monotonic() - at
            kill.workers_after = now
            break
        time.sleep(poll_s)
    return kill


class HeldDatabase:
    """Hold every free connection slot of the server and lock the probed tables, until :meth:`release`."""

    def __init__(self, url: str, tables: tuple[str, ...] = PROBED_TABLES, cap: int = 1000) -> None:
        self.url = url
        self.tables = tables
        self.cap = cap
        self.conns: list[Any] = []
        self.refused: str | None = None

    def hold(self) -> dict[str, Any]:
        import psycopg

        locker = psycopg.connect(self.url)
        # psycopg opened a transaction: the locks stay until release().
        locker.execute(f"LOCK TABLE {', '.join(self.tables)} IN ACCESS EXCLUSIVE MODE")
        self.conns.append(locker)
        max_connections = int(locker.execute("SHOW max_connections").fetchone()[0])
        while len(self.conns) < self.cap:
            try:
                self.conns.append(psycopg.connect(self.url, connect_timeout=5))
            except psycopg.OperationalError as exc:
                self.refused = str(exc).strip().splitlines()[-1]
                break
        return {
            "max_connections": max_connections,
            "held_by_bench": len(self.conns),
            "next_connection": self.refused or "accepted (slots not exhausted)",
            "locked_tables": list(self.tables),
        }

    def release(self) -> None:
        for conn in self.conns:
            try:
                conn.close()
            except Exception:  # closing what we opened, best effort
                pass
        self.conns.clear()
