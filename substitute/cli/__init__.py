"""The ``substitute`` command line: one group, a module per subcommand family.

Subcommand modules import heavy libraries inside their functions so that
``substitute --help`` starts fast. Importing a module registers its commands.
"""

from __future__ import annotations

from substitute.cli import (  # noqa: F401
    config_cmd,
    db_cmd,
    demo_cmd,
    demo_data_cmd,
    forecast_cmd,
    ingest_cmd,
    keys_cmd,
    loyalty_cmd,
    recommend_cmd,
    runs_cmd,
    scheduler_cmd,
    serve_cmd,
)
from substitute.cli.context import main

__all__ = ["main"]
