"""Settings precedence: defaults < configs/*.toml < SUBSTITUTE_* < what the caller passes."""

from __future__ import annotations

import pytest

from substitute.errors import ConfigError
from substitute.settings import load_settings


def _config(tmp_path, text: str):
    (tmp_path / "substitute.toml").write_text(text)
    return tmp_path


def test_each_layer_overrides_the_one_below(tmp_path):
    cfg = _config(tmp_path, "[substitute.ingest]\nmax_reject_share = 0.2\nchunk_rows = 5000\n")
    env = {"SUBSTITUTE_INGEST__CHUNK_ROWS": "7000", "SUBSTITUTE_DATABASE__URL": "sqlite:///env.db"}
    settings = load_settings({"database": {"url": "sqlite:///mine.db"}}, config_dir=cfg, environ=env)
    assert settings.ingest.max_reject_share == 0.2  # from TOML
    assert settings.ingest.chunk_rows == 7000  # env beats TOML
    assert settings.database.url == "sqlite:///mine.db"  # the caller beats env
    assert settings.api.port == 8000  # code default


def test_a_misspelt_key_fails_at_load(tmp_path):
    cfg = _config(tmp_path, "[substitute.ingest]\nmax_rejects_share = 0.2\n")
    with pytest.raises(ConfigError, match="max_rejects_share"):
        load_settings(config_dir=cfg, environ={})


def test_reserved_and_test_variables_are_not_settings(tmp_path):
    env = {"SUBSTITUTE_CONFIG_DIR": "x", "SUBSTITUTE_TEST_POSTGRES_URL": "postgresql://x"}
    assert load_settings(config_dir=tmp_path, environ=env).database.url.startswith("sqlite")


def test_production_needs_a_secret_key(tmp_path):
    with pytest.raises(ConfigError, match="SUBSTITUTE_API__SECRET_KEY"):
        load_settings(config_dir=tmp_path, environ={"SUBSTITUTE_ENVIRONMENT": "production"})


def test_redacted_hides_passwords_and_secrets(tmp_path):
    settings = load_settings(
        {"database": {"url": "postgresql://shop:hunter2@db/shop"}, "api": {"secret_key": "s3cret"}},
        config_dir=tmp_path,
        environ={},
    )
    text = repr(settings.redacted())
    assert "hunter2" not in text and "s3cret" not in text
    assert "shop:***@db" in text


def test_the_shipped_configs_load():
    from pathlib import Path

    load_settings(config_dir=Path(__file__).resolve().parents[1] / "configs", environ={})
