"""Every file the package needs at run time goes into the wheel (the Docker image installs one)."""

from __future__ import annotations

import configparser
from fnmatch import fnmatch
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "substitute"


def _package_data_globs() -> list[str]:
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    return [g.strip() for g in config["options.package_data"]["substitute"].split("\n") if g.strip()]


def test_every_non_module_file_is_declared_as_package_data():
    globs = _package_data_globs()
    missing = []
    for path in PACKAGE.rglob("*"):
        if path.is_dir() or "__pycache__" in path.parts or path.suffix == ".pyc":
            continue
        in_a_package = path.suffix == ".py" and (path.parent / "__init__.py").exists()
        relative = path.relative_to(PACKAGE).as_posix()
        if not in_a_package and not any(fnmatch(relative, g) for g in globs):
            missing.append(relative)
    assert missing == [], f"add these to [options.package_data] in setup.cfg: {missing}"
