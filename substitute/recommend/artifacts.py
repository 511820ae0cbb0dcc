"""Versioned artifact folders: written aside, checked, published atomically.

Layout under ``Settings.artifacts.dir``::

    recommend/
        current                      one line: the version being served
        20250601T021500Z-1a2b3c/
            manifest.json            format, run id, data window, counts, versions, metrics, sha256s
            items.npz  als.npz  hybrid.npz  customers.npz  retrieval.npz

Arrays only, loaded with ``allow_pickle=False``: nothing is ever unpickled, so
a file we did not write cannot run code. A version is written under a
``.tmp-`` name, every file and the folder fsync'ed, renamed into place, and
only then the ``current`` pointer is replaced with :func:`os.replace` (atomic
on POSIX): a crash leaves the previous version serving. Loading refuses a
folder whose format, kind, file set or any checksum differs from the manifest.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from substitute.errors import ArtifactError

__all__ = [
    "FORMAT_VERSION",
    "KIND",
    "ArtifactManifest",
    "LoadedArtifact",
    "current_version",
    "load_artifact",
    "new_version",
    "publish",
    "write_artifact",
]

FORMAT_VERSION = 2
KIND = "recommend"
MANIFEST = "manifest.json"
POINTER = "current"
#: The files a version of each format has: what a loader may expect and nothing else.
#: Format 1 (before shortlists) still loads, and its snapshot scans whole categories.
FILES_OF_FORMAT = {
    1: ("items.npz", "als.npz", "hybrid.npz", "customers.npz"),
    2: ("items.npz", "als.npz", "hybrid.npz", "customers.npz", "retrieval.npz"),
}
FILES = FILES_OF_FORMAT[FORMAT_VERSION]


@dataclass
class ArtifactManifest:
    """What a version is: enough to tell whether to trust it and where it came from."""

    version: str
    kind: str = KIND
    format_version: int = FORMAT_VERSION
    created_at: str = ""
    data_window: dict[str, str | None] = field(default_factory=dict)
    row_counts: dict[str, int] = field(default_factory=dict)
    library_versions: dict[str, str] = field(default_factory=dict)
    metrics: dict[str, float] = field(default_factory=dict)
    config: dict[str, Any] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)
    path: str = ""

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True)


@dataclass
class LoadedArtifact:
    manifest: ArtifactManifest
    arrays: dict[str, dict[str, np.ndarray]]
    path: Path


def new_version(now: dt.datetime | None = None) -> str:
    """A sortable, unique version name: UTC time plus a random suffix."""
    now = now or dt.datetime.now(dt.UTC)
    return f"{now:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:6]}"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _fsync_file(path: Path) -> None:
    with path.open("rb") as fh:
        os.fsync(fh.fileno())


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_artifact(root: Path, manifest: ArtifactManifest, arrays: dict[str, dict[str, np.ndarray]]) -> Path:
    """Write a version folder (not yet current) and return its path.

    ``arrays`` maps each of :data:`FILES` to its named arrays. The manifest's
    ``files`` and ``path`` are filled in here.
    """
    if set(arrays) != set(FILES):
        raise ArtifactError(
            f"an artifact needs exactly the files {', '.join(FILES)}; got {', '.join(sorted(arrays))}"
        )
    base = root / KIND
    base.mkdir(parents=True, exist_ok=True)
    final = base / manifest.version
    tmp = base / f".tmp-{manifest.version}"
    if final.exists():
        raise ArtifactError(
            f"artifact version {manifest.version} already exists at {final}: use a new version"
        )
    tmp.mkdir()
    try:
        for name in FILES:
            for key, value in arrays[name].items():
                if np.asarray(value).dtype == object:
                    raise ArtifactError(f"{name}:{key} is an object array; artifacts hold plain arrays only")
            target = tmp / name
            with target.open("wb") as fh:
                # numpy's stubs read ** as its allow_pickle flag; these are plain arrays.
                np.savez(fh, **arrays[name])  # type: ignore[arg-type]
                fh.flush()
                os.fsync(fh.fileno())
            manifest.files[name] = _sha256(target)
        manifest.path = str(final)
        (tmp / MANIFEST).write_text(manifest.to_json())
        _fsync_file(tmp / MANIFEST)
        _fsync_dir(tmp)
        os.rename(tmp, final)
        _fsync_dir(base)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return final


def publish(root: Path, version: str) -> None:
    """Make ``version`` the one served: replace the ``current`` pointer atomically."""
    base = root / KIND
    if not (base / version / MANIFEST).is_file():
        raise ArtifactError(f"cannot publish {version}: {base / version} has no manifest")
    tmp = base / f".{POINTER}.{uuid.uuid4().hex[:8]}"
    tmp.write_text(version + "\n")
    _fsync_file(tmp)
    os.replace(tmp, base / POINTER)
    _fsync_dir(base)


def current_version(root: Path) -> str:
    """The version named by the ``current`` pointer."""
    pointer = root / KIND / POINTER
    if not pointer.is_file():
        raise ArtifactError(f"no trained recommender under {root / KIND}: run `substitute train` first")
    return pointer.read_text().strip()


def _read_manifest(folder: Path) -> ArtifactManifest:
    try:
        data = json.loads((folder / MANIFEST).read_text())
        manifest = ArtifactManifest(**data)
    except (OSError, ValueError, TypeError) as exc:
        raise ArtifactError(
            f"{folder / MANIFEST} is missing or unreadable ({exc}): retrain with `substitute train`"
        ) from exc
    if manifest.kind != KIND or manifest.format_version not in FILES_OF_FORMAT:
        readable = ", ".join(str(f) for f in FILES_OF_FORMAT)
        raise ArtifactError(
            f"{folder} is a {manifest.kind!r} artifact of format {manifest.format_version}, this code reads "
            f"{KIND!r} formats {readable}: retrain with `substitute train`"
        )
    return manifest


def load_artifact(root: Path, version: str | None = None) -> LoadedArtifact:
    """Load and verify a version (default: the current one).

    Raises
    ------
    ArtifactError
        When the folder, manifest or a file is missing, foreign, truncated or
        altered. Nothing is returned half-checked: a caller keeps what it had.
    """
    version = version or current_version(root)
    folder = root / KIND / version
    manifest = _read_manifest(folder)
    expected_files = FILES_OF_FORMAT[manifest.format_version]
    if set(manifest.files) != set(expected_files):
        raise ArtifactError(
            f"{folder}: manifest lists {sorted(manifest.files)}, expected {list(expected_files)}; retrain"
        )
    arrays: dict[str, dict[str, np.ndarray]] = {}
    for name, expected in sorted(manifest.files.items()):
        path = folder / name
        if not path.is_file():
            raise ArtifactError(
                f"{path} is missing: the artifact is incomplete; retrain with `substitute train`"
            )
        actual = _sha256(path)
        if actual != expected:
            raise ArtifactError(
                f"{path} has sha256 {actual[:12]}…, the manifest says {expected[:12]}…: the file was altered "
                f"or truncated; publish another version (`substitute train`) and delete {folder}"
            )
        try:
            with np.load(path, allow_pickle=False) as data:
                arrays[name.removesuffix(".npz")] = {k: data[k] for k in data.files}
        except (OSError, ValueError) as exc:
            raise ArtifactError(f"{path} cannot be read as plain arrays ({exc}); retrain") from exc
    return LoadedArtifact(manifest, arrays, folder)
