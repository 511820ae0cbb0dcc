"""``substitute demo-data``: writes the files and reports what it wrote."""

from __future__ import annotations

import json

from click.testing import CliRunner

from substitute.cli import demo_data_cmd  # noqa: F401  (registers the command)
from substitute.cli.context import main


def test_demo_data_writes_the_files_and_prints_row_counts(tmp_path):
    out = tmp_path / "demo"
    args = ["demo-data", "--items", "30", "--stores", "1", "--customers", "80", "--days", "40", "--seed", "3"]
    result = CliRunner().invoke(main, [*args, "--end-date", "2026-01-31", str(out)])
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["parameters"]["seed"] == 3 and manifest["parameters"]["end_date"] == "2026-01-31"
    assert f"{manifest['files']['sales.parquet']['rows']:,} rows" in result.output
    assert "inventory.parquet" in result.output


def test_bad_options_are_refused(tmp_path):
    result = CliRunner().invoke(main, ["demo-data", "--days", "3", str(tmp_path)])
    assert result.exit_code == 2
    assert "--days" in result.output
