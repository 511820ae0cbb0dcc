"""``substitute train`` and ``substitute recommend`` through click's runner."""

from __future__ import annotations

import json
import shutil

from click.testing import CliRunner

from substitute.cli.context import main
from substitute.cli.recommend_cmd import recommend_cmd, train_cmd  # noqa: F401  (registers the commands)
from substitute.db import make_engine, upgrade
from tests.recommend import planted
from tests.recommend.conftest import REPO_CONFIGS


def test_train_then_recommend(tmp_path):
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    engine = make_engine(db)
    upgrade(engine)
    planted.write_planted(engine)
    engine.dispose()
    shutil.copy(REPO_CONFIGS / "recommend.toml", tmp_path / "recommend.toml")
    (tmp_path / "substitute.toml").write_text(f'[substitute.artifacts]\ndir = "{tmp_path / "art"}"\n')
    base = ["--config-dir", str(tmp_path), "--database-url", db]
    runner = CliRunner()

    trained = runner.invoke(main, [*base, "train", "--no-progress"])
    assert trained.exit_code == 0, trained.output
    assert "published" in trained.output and "13 items" in trained.output

    shown = runner.invoke(main, [*base, "recommend", "--sku", "TWIN-A", "--store", "S1", "-k", "3"])
    assert shown.exit_code == 0, shown.output
    assert shown.output.splitlines()[1].split()[1] == "TWIN-B"

    as_json = runner.invoke(main, [*base, "recommend", "--sku", "T-HUR-BLK-24", "--store", "S1", "--json"])
    offers = json.loads(as_json.output)["offers"]
    assert offers[0]["sku"] == "T-HUR-RED-24"
    assert any(o["reservation"] and o["reservation"]["expected_date"] == "2025-07-03" for o in offers)

    missing = runner.invoke(main, [*base, "recommend", "--sku", "NOPE", "--store", "S1"])
    assert missing.exit_code == 2
    assert "NOPE" in missing.output
