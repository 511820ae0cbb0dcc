"""The ``substitute`` command line: one group, a module per subcommand family.

Subcommand modules import heavy libraries inside their functions so that
``substitute --help`` starts fast.
"""

from __future__ import annotations

# Importing a command module registers its commands on `main`.
from substitute.cli import config_cmd, db_cmd, demo_cmd, ingest_cmd  # noqa: F401
from substitute.cli.context import main

__all__ = ["main"]
