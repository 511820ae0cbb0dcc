"""Importing the package or starting the CLI must not load the heavy libraries."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("pandas", "lightfm", "implicit", "statsmodels", "scipy", "pyarrow")


def _loaded_after(statement: str) -> set[str]:
    code = f"{statement}\nimport sys\nprint(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(out.stdout.split())


def test_import_substitute_is_light():
    assert _loaded_after("import substitute") == set()


def test_cli_help_is_light():
    assert _loaded_after("from substitute.cli import main") == set()
