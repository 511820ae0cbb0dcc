"""API keys: shown once, stored only as a hash, scoped, store-bound, revocable."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from substitute.api.keys import create_key, list_keys, revoke_key, verify_key
from substitute.errors import DataError, NotFound


def test_a_key_verifies_and_carries_its_scopes_and_stores(engine):
    plaintext, info = create_key(engine, "ginza POS", ["pos"], ["ginza"])
    assert plaintext.startswith("subst_") and len(plaintext) > 50
    found = verify_key(engine, plaintext)
    assert found is not None and found.key_id == info.key_id
    assert found.has_scope("pos") and not found.has_scope("buyer")
    assert found.allows_store("ginza") and not found.allows_store("ec")


def test_admin_has_every_scope_and_unbound_keys_every_store(engine):
    plaintext, _ = create_key(engine, "ops", ["admin"])
    found = verify_key(engine, plaintext)
    assert found.has_scope("ops") and found.has_scope("pos") and found.allows_store("anywhere")


def test_the_plaintext_is_never_stored(engine):
    plaintext, _ = create_key(engine, "buyer", ["buyer"])
    secret = plaintext.rsplit("_", 1)[1]
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT * FROM api_keys")).all()
    dumped = repr(rows)
    assert plaintext not in dumped and secret not in dumped


@pytest.mark.parametrize(
    "attempt",
    ["", "nonsense", "subst_", "subst_0000000000_x", "Bearer subst_abc_def"],
)
def test_malformed_or_unknown_keys_do_not_verify(engine, attempt):
    create_key(engine, "x", ["pos"])
    assert verify_key(engine, attempt) is None


def test_a_tampered_secret_does_not_verify(engine):
    plaintext, _ = create_key(engine, "x", ["pos"])
    assert verify_key(engine, plaintext[:-1] + ("A" if plaintext[-1] != "A" else "B")) is None


def test_a_revoked_key_stops_working(engine):
    plaintext, info = create_key(engine, "old POS", ["pos"])
    revoke_key(engine, info.key_id)
    assert verify_key(engine, plaintext) is None
    assert list_keys(engine)[0].revoked_at is not None
    with pytest.raises(NotFound):
        revoke_key(engine, info.key_id)


def test_unknown_scopes_are_refused(engine):
    with pytest.raises(DataError, match="scopes must be some of"):
        create_key(engine, "x", ["root"])
