"""API keys: scoped, optionally bound to stores, shown once, stored only as a hash.

A key reads ``subst_<id>_<secret>``: the ``subst_`` prefix says what it is
(secret scanners can find leaked ones), ``<id>`` is a public handle to list
and revoke it by, and ``<secret>`` is 32 random bytes. The database keeps the
id and the SHA-256 of the whole key; the plaintext exists only in the
response to ``create_key``. Scopes: ``pos`` (checkout), ``buyer`` (risk lists
and pages), ``ops`` (runs), ``admin`` (everything, including keys).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import Engine, insert, select, update

from substitute.db.models import ApiKey
from substitute.errors import DataError, NotFound

SCOPES = ("pos", "buyer", "ops", "admin")
PREFIX = "subst_"


@dataclass(frozen=True)
class KeyInfo:
    id: int
    name: str
    key_id: str
    scopes: frozenset[str]
    store_ids: frozenset[str] | None  # None: every store
    created_at: dt.datetime
    revoked_at: dt.datetime | None

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes or "admin" in self.scopes

    def allows_store(self, store_id: str) -> bool:
        return self.store_ids is None or store_id in self.store_ids

    def as_dict(self) -> dict[str, object]:
        return {
            "key_id": self.key_id,
            "name": self.name,
            "scopes": sorted(self.scopes),
            "store_ids": None if self.store_ids is None else sorted(self.store_ids),
            "created_at": self.created_at.isoformat(),
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
        }


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def digest(plaintext: str) -> str:
    """What is stored of a key: the SHA-256 of the whole plaintext."""
    return hashlib.sha256(plaintext.encode()).hexdigest()


def key_id_of(plaintext: str) -> str | None:
    """The public id inside ``subst_<id>_<secret>``, or None when it is not such a key."""
    if not plaintext.startswith(PREFIX) or plaintext.count("_") < 2:
        return None
    return plaintext[len(PREFIX) :].split("_", 1)[0]


def info_of(row: ApiKey) -> KeyInfo:
    return KeyInfo(
        id=row.id,
        name=row.name,
        key_id=row.prefix,
        scopes=frozenset(row.scopes.split(",")),
        store_ids=frozenset(row.store_ids.split(",")) if row.store_ids else None,
        created_at=row.created_at,
        revoked_at=row.revoked_at,
    )


def create_key(
    engine: Engine, name: str, scopes: list[str], store_ids: list[str] | None = None
) -> tuple[str, KeyInfo]:
    """Create a key; return its plaintext (shown once, never stored) and its record."""
    unknown = sorted(set(scopes) - set(SCOPES))
    if not scopes or unknown:
        raise DataError(f"scopes must be some of {', '.join(SCOPES)}; got {', '.join(scopes) or 'none'}")
    key_id = secrets.token_hex(5)
    plaintext = f"{PREFIX}{key_id}_{secrets.token_urlsafe(32)}"
    scope_set = frozenset(scopes)
    stores = frozenset(store_ids) if store_ids else None
    created_at = _now()
    with engine.begin() as conn:
        new_id = conn.execute(
            insert(ApiKey)
            .values(
                name=name,
                prefix=key_id,
                key_hash=digest(plaintext),
                scopes=",".join(sorted(scope_set)),
                store_ids=",".join(sorted(stores)) if stores else None,
                created_at=created_at,
            )
            .returning(ApiKey.id)
        ).scalar_one()
    info = KeyInfo(
        id=new_id,
        name=name,
        key_id=key_id,
        scopes=scope_set,
        store_ids=stores,
        created_at=created_at,
        revoked_at=None,
    )
    return plaintext, info


def verify_key(engine: Engine, plaintext: str) -> KeyInfo | None:
    """The key's record when ``plaintext`` is a live key, else None (never says which part failed)."""
    key_id = key_id_of(plaintext)
    if key_id is None:
        return None
    from sqlalchemy.orm import Session

    with Session(engine) as session:
        row = session.scalars(select(ApiKey).where(ApiKey.prefix == key_id)).first()
        if row is None or not hmac.compare_digest(row.key_hash, digest(plaintext)):
            return None
        info = info_of(row)
    return None if info.revoked_at is not None else info


def list_keys(engine: Engine) -> list[KeyInfo]:
    from sqlalchemy.orm import Session

    with Session(engine) as session:
        return [info_of(r) for r in session.scalars(select(ApiKey).order_by(ApiKey.id))]


def revoke_key(engine: Engine, key_id: str) -> None:
    with engine.begin() as conn:
        done = conn.execute(
            update(ApiKey)
            .where(ApiKey.prefix == key_id, ApiKey.revoked_at.is_(None))
            .values(revoked_at=_now())
        ).rowcount
    if not done:
        raise NotFound(f"no live key with id {key_id!r}: see `substitute keys list`")
