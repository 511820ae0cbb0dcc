"""The ``substitute`` command line: one group, a module per subcommand family.

Subcommand modules import heavy libraries inside their functions so that
``substitute --help`` starts fast.
"""

from __future__ import annotations

from substitute.cli.context import main
from substitute.cli import config_cmd, db_cmd, ingest_cmd  # noqa: E402,F401  (registers commands)

__all__ = ["main"]
