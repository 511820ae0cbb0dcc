"""Training from the database, versioned artifacts, atomic publication and refusal of bad files."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select

from substitute.db.models import ModelArtifact
from substitute.errors import ArtifactError
from substitute.recommend.artifacts import FILES, current_version, load_artifact, publish, write_artifact
from substitute.recommend.service import Recommender, recommend_substitutes
from substitute.recommend.snapshot import load_snapshot
from substitute.recommend.train import build_manifest, model_arrays, train
from substitute.settings import load_settings
from tests.recommend import planted
from tests.recommend.conftest import REPO_CONFIGS


def _settings(tmp_path: Path):
    return load_settings({"artifacts": {"dir": str(tmp_path / "artifacts")}}, config_dir=tmp_path, environ={})


def test_train_publishes_a_verified_version_and_serves_it(engine, tmp_path):
    planted.write_planted(engine)
    settings = _settings(tmp_path)
    manifest = train(engine, settings, config_dir=REPO_CONFIGS, progress=False)

    root = settings.artifacts.dir
    assert current_version(root) == manifest.version
    folder = root / "recommend" / manifest.version
    on_disk = json.loads((folder / "manifest.json").read_text())
    assert set(on_disk["files"]) == set(FILES)
    assert on_disk["row_counts"]["items"] == len(planted.ITEMS)
    assert on_disk["data_window"]["end"] == str(planted.frames().sales["business_date"].max().date())
    assert on_disk["library_versions"]["implicit"].startswith("0.7")
    assert not list((root / "recommend").glob(".tmp-*"))
    with engine.connect() as conn:
        rows = conn.execute(select(ModelArtifact.version, ModelArtifact.is_current, ModelArtifact.kind)).all()
    assert rows == [(manifest.version, True, "recommend")]

    snap = load_snapshot(engine, settings, config_dir=REPO_CONFIGS, profiles=planted.profiles())
    assert snap.version == manifest.version
    offers = recommend_substitutes(snap, "T-HUR-BLK-24", "S1", customer="psych")
    assert offers[0].sku == "T-HUR-RED-24"
    assert offers[1].reservation is not None

    second = train(engine, settings, config_dir=REPO_CONFIGS, progress=False)
    with engine.connect() as conn:
        current = conn.execute(select(ModelArtifact.version).where(ModelArtifact.is_current.is_(True))).all()
    assert current == [(second.version,)]


def test_round_trip_keeps_every_array(models, config, tmp_path):
    manifest = build_manifest(models, planted.frames(), config, None)
    arrays = model_arrays(models)
    write_artifact(tmp_path, manifest, arrays)
    loaded = load_artifact(tmp_path, manifest.version)
    for name, content in arrays.items():
        back = loaded.arrays[name.removesuffix(".npz")]
        assert set(back) == set(content)
        for key, value in content.items():
            np.testing.assert_array_equal(back[key], value)
    assert loaded.manifest.files == manifest.files


def _two_versions(models, config, root: Path) -> tuple[str, str]:
    versions = []
    for _ in range(2):
        manifest = build_manifest(models, planted.frames(), config, None)
        write_artifact(root, manifest, model_arrays(models))
        publish(root, manifest.version)
        versions.append(manifest.version)
    return versions[0], versions[1]


def test_tampered_file_is_refused_and_the_previous_version_still_loads(models, config, tmp_path):
    old, new = _two_versions(models, config, tmp_path)
    target = tmp_path / "recommend" / new / "als.npz"
    data = bytearray(target.read_bytes())
    data[len(data) // 2] ^= 0xFF
    target.write_bytes(bytes(data))
    with pytest.raises(ArtifactError, match="altered or truncated"):
        load_artifact(tmp_path)
    assert load_artifact(tmp_path, old).manifest.version == old


def test_truncated_file_is_refused(models, config, tmp_path):
    _, new = _two_versions(models, config, tmp_path)
    target = tmp_path / "recommend" / new / "hybrid.npz"
    target.write_bytes(target.read_bytes()[:100])
    with pytest.raises(ArtifactError, match="sha256"):
        load_artifact(tmp_path)


def test_foreign_format_and_missing_pointer_are_refused(models, config, tmp_path):
    with pytest.raises(ArtifactError, match="substitute train"):
        load_artifact(tmp_path)
    _, new = _two_versions(models, config, tmp_path)
    path = tmp_path / "recommend" / new / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["format_version"] = 99
    path.write_text(json.dumps(manifest))
    with pytest.raises(ArtifactError, match="format 99"):
        load_artifact(tmp_path)


def test_object_arrays_are_never_written(models, config, tmp_path):
    manifest = build_manifest(models, planted.frames(), config, None)
    arrays = model_arrays(models)
    arrays["items.npz"]["evil"] = np.array([{"a": 1}], dtype=object)
    with pytest.raises(ArtifactError, match="object array"):
        write_artifact(tmp_path, manifest, arrays)
    assert not (tmp_path / "recommend" / manifest.version).exists()


def test_a_failed_reload_keeps_the_snapshot_in_service(snapshot):
    calls = iter([snapshot])

    def loader():
        try:
            return next(calls)
        except StopIteration:
            raise ArtifactError("bad artifact") from None

    service = Recommender(loader)
    with pytest.raises(ArtifactError):
        service.reload()
    assert service.snapshot is snapshot
    assert service.recommend("TWIN-A", "S1")[0].sku == "TWIN-B"


def test_training_is_reproducible(config, models):
    from substitute.recommend.train import fit_models

    again = fit_models(planted.frames(), config, as_of=np.datetime64(planted.AS_OF))
    np.testing.assert_array_equal(again.als.item_factors, models.als.item_factors)
    np.testing.assert_array_equal(again.hybrid.item_vectors, models.hybrid.item_vectors)


def test_an_artifact_from_before_shortlists_still_serves(models, config, tmp_path):
    """Format 1 had no retrieval.npz: it loads, and its snapshot scans whole categories."""
    from tests.recommend.conftest import make_snapshot

    _, version = _two_versions(models, config, tmp_path)
    folder = tmp_path / "recommend" / version
    manifest = json.loads((folder / "manifest.json").read_text())
    del manifest["files"]["retrieval.npz"]
    (folder / "retrieval.npz").unlink()
    manifest["format_version"] = 1
    (folder / "manifest.json").write_text(json.dumps(manifest))

    assert set(load_artifact(tmp_path).arrays) == {"items", "als", "hybrid", "customers"}
    old = make_snapshot(tmp_path, config)
    assert old.shortlists is None
    offers = recommend_substitutes(old, "T-HUR-BLK-24", "S1", customer="psych")
    assert offers[0].sku == "T-HUR-RED-24"
    # A format 1 manifest that lists the retrieval file is not format 1.
    manifest["files"]["retrieval.npz"] = "0" * 64
    (folder / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ArtifactError, match="expected"):
        load_artifact(tmp_path)
