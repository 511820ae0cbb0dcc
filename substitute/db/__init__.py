"""Storage: the schema, engines for SQLite and PostgreSQL, and migrations."""

from substitute.db.engine import make_engine, session_factory
from substitute.db.migrate import upgrade

__all__ = ["make_engine", "session_factory", "upgrade"]
