"""Rate limits per API key (and per client address for failed keys), shared by every worker.

The counting is the ``limits`` library's fixed window (the engine under
Flask-Limiter). Its shared back-ends are Redis, Memcached, MongoDB and etcd;
none runs beside this service, and the main database must not be written on
every checkout (nor be needed for one). So the counters live in a small
SQLite file on the host's shared memory (``/dev/shm``), registered as the
storage scheme ``substitute+sqlite://``: every gunicorn worker on the host
counts in the same file, an increment is one upsert (tens of microseconds,
no fsync), and the file is rebuilt empty if it goes away. Several hosts
behind a load balancer each count their own share: give each the per-key
limit divided by the number of hosts, or point ``storage_uri`` at Redis.

If the storage fails the request is let through and logged (limits fail
open): a broken counter must not take checkout down.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sqlite3
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from limits import RateLimitItem, parse
from limits.storage import Storage, storage_from_string
from limits.strategies import FixedWindowRateLimiter

log = logging.getLogger(__name__)

#: Requests per key; checkout at 100 requests/s from one till is far below this.
DEFAULT_PER_KEY = "6000/minute"
#: Requests whose key is missing or wrong, per client address (OWASP API2: slow guessing down).
DEFAULT_AUTH_FAILURES = "10/minute"
#: Longest wait for another worker's counter update; past it the request goes through (fail open).
#: A counter must never hold the till: SQLite's busy handler sleeps in growing steps up to this.
BUSY_TIMEOUT_S = 0.02

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS counters (key TEXT PRIMARY KEY, value INTEGER NOT NULL, expiry REAL NOT NULL)"
)
_INCR = (
    "INSERT INTO counters (key, value, expiry) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET "
    "value = CASE WHEN counters.expiry <= ? THEN excluded.value ELSE counters.value + excluded.value END, "
    "expiry = CASE WHEN counters.expiry <= ? THEN excluded.expiry ELSE counters.expiry END "
    "RETURNING value"
)


class SQLiteFileStorage(Storage):
    """A ``limits`` storage in one SQLite file: shared by the processes of one host."""

    STORAGE_SCHEME = ["substitute+sqlite"]  # noqa: RUF012  (the ``limits`` registry reads a list)

    def __init__(
        self, uri: str | None = None, wrap_exceptions: bool = False, **options: float | str | bool
    ) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self.path = Path((uri or "").split("://", 1)[1])
        self._local = threading.local()
        self._writes = 0

    @property
    def base_exceptions(self) -> type[Exception]:
        return sqlite3.Error

    def _conn(self) -> sqlite3.Connection:
        # One connection per thread and per process: a forked worker must not reuse its parent's.
        conn = getattr(self._local, "conn", None)
        if conn is None or self._local.pid != os.getpid():
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(
                self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
            )
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=OFF")
            conn.execute(_SCHEMA)
            self._local.conn, self._local.pid = conn, os.getpid()
        return conn

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        conn = self._conn()
        value = conn.execute(_INCR, (key, amount, now + expiry, now, now)).fetchone()[0]
        self._writes += 1
        if self._writes % 1000 == 0:
            conn.execute("DELETE FROM counters WHERE expiry <= ?", (now,))
        return int(value)

    def get(self, key: str) -> int:
        row = (
            self._conn()
            .execute("SELECT value FROM counters WHERE key = ? AND expiry > ?", (key, time.time()))
            .fetchone()
        )
        return int(row[0]) if row else 0

    def get_expiry(self, key: str) -> float:
        row = self._conn().execute("SELECT expiry FROM counters WHERE key = ?", (key,)).fetchone()
        return float(row[0]) if row else time.time()

    def check(self) -> bool:
        try:
            self._conn().execute("SELECT 1").fetchone()
        except sqlite3.Error:
            return False
        return True

    def reset(self) -> int | None:
        return self._conn().execute("DELETE FROM counters").rowcount

    def clear(self, key: str) -> None:
        self._conn().execute("DELETE FROM counters WHERE key = ?", (key,))


def default_storage_uri(database_url: str) -> str:
    """A counter file in the host's shared memory, one per database the app serves."""
    shm = Path("/dev/shm")
    folder = shm if shm.is_dir() and os.access(shm, os.W_OK) else Path(tempfile.gettempdir())
    tag = hashlib.sha256(database_url.encode()).hexdigest()[:12]
    return f"substitute+sqlite://{folder / f'substitute-ratelimit-{os.getuid()}-{tag}.sqlite'}"


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after_s: int = 0


class RateLimits:
    """The two limits the API applies; see the module docstring."""

    def __init__(
        self, storage_uri: str, per_key: str = DEFAULT_PER_KEY, auth_failures: str = DEFAULT_AUTH_FAILURES
    ) -> None:
        self.storage = storage_from_string(storage_uri)
        self._limiter = FixedWindowRateLimiter(self.storage)
        self.per_key: RateLimitItem = parse(per_key)
        self.auth_failures: RateLimitItem = parse(auth_failures)
        self.storage_errors = 0

    def _hit(self, item: RateLimitItem, *identifiers: str) -> Verdict:
        try:
            if self._limiter.hit(item, *identifiers):
                return Verdict(True)
            reset = self._limiter.get_window_stats(item, *identifiers).reset_time
        except Exception as exc:  # fail open: any storage failure, whatever its type
            self.storage_errors += 1
            log.error("rate-limit storage failed, letting the request through: %s", exc)
            return Verdict(True)
        return Verdict(False, max(1, int(reset - time.time() + 0.999)))

    def hit_key(self, key_id: str) -> Verdict:
        return self._hit(self.per_key, "key", key_id)

    def hit_auth_failure(self, address: str) -> Verdict:
        return self._hit(self.auth_failures, "authfail", address)

    def auth_failures_exceeded(self, address: str) -> bool:
        """True when ``address`` has used up its failed attempts (checked before trying a key)."""
        try:
            return not self._limiter.test(self.auth_failures, "authfail", address)
        except Exception as exc:  # fail open, as above
            self.storage_errors += 1
            log.error("rate-limit storage failed: %s", exc)
            return False
