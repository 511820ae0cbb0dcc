"""The live API keys, held in memory so that checking a key never waits on the database.

A checkout must be answered when the database is down, so the key of every
request is checked against this in-memory copy of ``api_keys`` (hashes only),
refreshed in the background with the snapshot. A key the copy does not know
(created since the last refresh) is looked up once in the database with
:func:`substitute.api.keys.verify_key`; a revoked key stops working at the
next refresh, within :data:`REFRESH_S` seconds.
"""

from __future__ import annotations

import hmac
import logging
import threading
import time
from dataclasses import dataclass

from sqlalchemy import Engine, select

from substitute.api.keys import KeyInfo, digest, info_of, key_id_of, verify_key

log = logging.getLogger(__name__)

#: A revoked key is refused at most this long after its revocation.
REFRESH_S = 30.0
#: An unknown key id is not looked up in the database again before this.
NEGATIVE_TTL_S = 10.0


class KeyStoreUnavailable(Exception):
    """The key is not in memory and the database cannot be asked about it."""


@dataclass(frozen=True)
class _Entry:
    key_hash: str
    info: KeyInfo


class KeyRing:
    """In-memory ``key id -> (hash, KeyInfo)`` of the live keys."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._keys: dict[str, _Entry] = {}
        self._misses: dict[str, float] = {}
        self._lock = threading.Lock()
        self.refreshed_at: float | None = None

    def refresh(self) -> int:
        """Reload every live key; on a database error keep the copy in hand and re-raise."""
        from sqlalchemy.orm import Session

        from substitute.db.models import ApiKey

        with Session(self._engine) as session:
            rows = session.scalars(select(ApiKey).where(ApiKey.revoked_at.is_(None))).all()
            fresh = {r.prefix: _Entry(r.key_hash, info_of(r)) for r in rows}
        with self._lock:
            self._keys = fresh
            self._misses.clear()
            self.refreshed_at = time.monotonic()
        return len(fresh)

    def verify(self, plaintext: str) -> KeyInfo | None:
        """The key's record when ``plaintext`` is a live key, else None.

        Raises
        ------
        KeyStoreUnavailable
            When the key is not in memory and the database cannot be reached.
        """
        key_id = key_id_of(plaintext)
        if key_id is None:
            return None
        entry = self._keys.get(key_id)
        if entry is not None:
            return entry.info if hmac.compare_digest(entry.key_hash, digest(plaintext)) else None
        missed = self._misses.get(key_id)
        if missed is not None and time.monotonic() - missed < NEGATIVE_TTL_S:
            return None
        return self._lookup(key_id, plaintext)

    def _lookup(self, key_id: str, plaintext: str) -> KeyInfo | None:
        from sqlalchemy.exc import SQLAlchemyError

        try:
            info = verify_key(self._engine, plaintext)
        except SQLAlchemyError as exc:
            log.warning("cannot check an unknown key against the database: %s", exc)
            raise KeyStoreUnavailable from exc
        with self._lock:
            if info is None:
                # Bounded so that a stream of random ids cannot grow it without end.
                if len(self._misses) > 10_000:
                    self._misses.clear()
                self._misses[key_id] = time.monotonic()
            else:
                self._keys[key_id] = _Entry(digest(plaintext), info)
        return info
