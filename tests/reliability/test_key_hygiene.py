"""S5 (issue 9): no plaintext API key anywhere in the database or the logs.

Keys are issued, used on every kind of route, presented wrong and revoked,
with every logger at DEBUG; then every table of the database is dumped and
the log read. Neither the key nor its secret part may appear; nor may a
wrong key a client presented (it may be a real key with a typo).
"""

from __future__ import annotations

import logging

from sqlalchemy import MetaData, select

from substitute.api.auth import KEYRING
from substitute.api.keys import create_key, revoke_key
from substitute.api.state import state
from tests.api.conftest import EVENT_TIME, app, served, trained  # noqa: F401 - fixtures reused


def _dump(engine) -> str:
    meta = MetaData()
    meta.reflect(engine)
    with engine.connect() as conn:
        return "\n".join(repr(conn.execute(select(table)).all()) for table in meta.sorted_tables)


def test_no_plaintext_key_in_the_database_or_the_logs(served, caplog):  # noqa: F811
    caplog.set_level(logging.DEBUG)
    plaintext, info = create_key(served.engine, "till 9", ["pos"])
    # subst_<key id>_<secret>: the secret (token_urlsafe) may itself contain "_".
    _, key_id, secret = plaintext.split("_", 2)
    wrong = f"subst_{key_id}_{'x' * len(secret)}"
    client = served.client()
    for n, key in enumerate((plaintext, wrong, "subst_0000000000_" + secret[::-1], served.keys["admin"])):
        client.get("/v1/substitutes?sku=TWIN-A&store=S1", headers={"X-API-Key": key})
        client.get("/v1/stockouts", headers={"Authorization": f"Bearer {key}"})
        client.post(
            "/v1/events",
            json={
                "events": [
                    {
                        "event_id": f"k-{n}",  # nothing of the key: the dump is searched for it
                        "timestamp": EVENT_TIME,
                        "event_type": "offered",
                        "store": "S1",
                        "sku": "TWIN-A",
                    }
                ]
            },
            headers={"X-API-Key": key},
        )
    revoke_key(served.engine, info.key_id)
    state(served.app).parts[KEYRING].refresh()
    refused = client.get("/v1/substitutes?sku=TWIN-A&store=S1", headers={"X-API-Key": plaintext})
    assert refused.status_code == 401

    dumped, logged = _dump(served.engine), caplog.text
    assert info.key_id in dumped  # the dump did read the key table
    for presented in (plaintext, secret, wrong, served.keys["admin"], served.keys["admin"].split("_", 2)[2]):
        assert presented not in dumped
        assert presented not in logged
