"""Migrations build exactly the schema the models describe, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from substitute.db.migrate import current_revision, upgrade
from substitute.db.models import Base


def test_migrated_schema_matches_the_models(engine):
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_upgrade_is_idempotent(engine):
    head = current_revision(engine)
    upgrade(engine)
    assert current_revision(engine) == head
    assert "sales" in inspect(engine).get_table_names()
