"""A model artifact on disk: a folder with the serving model, the Keras model and metadata.json.

    <name>/model.tflite    what serving loads (LiteRT: no TensorFlow in web processes)
    <name>/model.keras     the trained Keras model, for fine-tuning and re-export
    <name>/metadata.json   architecture, config, data checksums, metrics, file sha256s

An artifact's sha256 is the sha256 of its model.tflite: the bytes that actually answer.
Artifacts are written to a temporary folder beside the target and renamed into place, so a
crash never leaves a half-written artifact under its final name.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

from ml.digest import file_digest

FORMAT_VERSION = 1
SERVING_FILE = "model.tflite"
KERAS_FILE = "model.keras"
METADATA_FILE = "metadata.json"


class ArtifactError(Exception):
    """The artifact is missing, incomplete, corrupt or of an unsupported format."""


def sha256_file(path: Path) -> str:
    return file_digest(path, "sha256")


def write_artifact(target: Path, *, serving_bytes: bytes, keras_model, metadata: dict) -> dict:
    """Write an artifact atomically at `target` (which must not exist); return its metadata."""
    target = Path(target)
    if target.exists():
        raise ArtifactError(f"{target} already exists: artifacts are immutable")
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        (staging / SERVING_FILE).write_bytes(serving_bytes)
        keras_model.save(staging / KERAS_FILE)
        metadata = {
            **metadata,
            "format_version": FORMAT_VERSION,
            "sha256": sha256_file(staging / SERVING_FILE),
            "files": {name: sha256_file(staging / name) for name in (SERVING_FILE, KERAS_FILE)},
        }
        (staging / METADATA_FILE).write_text(json.dumps(metadata, indent=2, sort_keys=True) + "\n")
        for path in staging.iterdir():
            _fsync(path)
        staging.chmod(0o755)  # mkdtemp makes it private; artifacts are read by other users too
        os.rename(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return metadata


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def read_metadata(artifact_dir: Path) -> dict:
    path = Path(artifact_dir) / METADATA_FILE
    try:
        metadata = json.loads(path.read_text())
    except FileNotFoundError:
        raise ArtifactError(f"{path} is missing") from None
    except (OSError, ValueError) as exc:
        raise ArtifactError(f"{path} is unreadable: {exc}") from None
    if not isinstance(metadata, dict):
        raise ArtifactError(f"{path} is not a JSON object")
    if metadata.get("format_version") != FORMAT_VERSION:
        raise ArtifactError(f"{artifact_dir}: unsupported artifact format {metadata.get('format_version')!r}")
    return metadata


def verify_artifact(artifact_dir: Path, expected_sha256: str | None = None) -> dict:
    """Check the serving file against metadata (and against `expected_sha256`); return metadata."""
    artifact_dir = Path(artifact_dir)
    metadata = read_metadata(artifact_dir)
    serving = artifact_dir / SERVING_FILE
    if not serving.exists():
        raise ArtifactError(f"{serving} is missing")
    actual = sha256_file(serving)
    for expected in {metadata.get("sha256"), expected_sha256} - {None}:
        if actual != expected:
            raise ArtifactError(f"{serving} has sha256 {actual}, expected {expected}: corrupt or replaced")
    return metadata
