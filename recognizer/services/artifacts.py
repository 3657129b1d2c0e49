"""Model artifacts in the "models" storage (settings.STORAGES): stored by the machine that trained
them, fetched by the machines that serve them.

An artifact's files are stored under "<artifact_path>/<file>". With the default filesystem storage
(MODEL_DIR) a trained folder already is its stored artifact: storing only checks it, and serving
reads it in place, as on one machine before. With an S3-compatible bucket, storing uploads every
file and reads each back to check its sha256, and a web process downloads the serving file and
the metadata into MODEL_CACHE_DIR/<sha256>/ (verified, then renamed into place, so a half or
corrupt download is never served) the first time that version is to serve there.
"""

import hashlib
import logging
import os
import shutil
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.storage import FileSystemStorage, storages

from ml.artifact import KERAS_FILE, METADATA_FILE, SERVING_FILE, ArtifactError, sha256_file, verify_artifact

logger = logging.getLogger(__name__)

STORED_FILES = (SERVING_FILE, KERAS_FILE, METADATA_FILE)
SERVED_FILES = (SERVING_FILE, METADATA_FILE)  # what a web process needs (no Keras model)


def artifact_store(*, artifact_dir: Path, artifact_path: str) -> dict:
    """Put every file of the local artifact `artifact_dir` into the models storage under
    `artifact_path` and check the stored bytes' sha256; return its metadata. Raises ArtifactError
    if the artifact is incomplete or corrupt, or if the storage holds other bytes under that name."""
    artifact_dir = Path(artifact_dir)
    metadata = verify_artifact(artifact_dir)
    storage = storages["models"]
    for filename in STORED_FILES:
        local = artifact_dir / filename
        if not local.exists():
            raise ArtifactError(f"{local} is missing")
        expected = sha256_file(local)
        recorded = metadata.get("files", {}).get(filename)
        if recorded is not None and recorded != expected:
            raise ArtifactError(f"{local} has sha256 {expected}, its metadata says {recorded}: corrupt")
        key = f"{artifact_path}/{filename}"
        if _is_in_place(storage, key, local):
            continue
        if storage.exists(key):
            if _stored_sha256(storage, key) != expected:
                raise ArtifactError(f"{key} is already stored with other content: artifacts are immutable")
            continue
        with open(local, "rb") as handle:
            saved = storage.save(key, File(handle, name=filename))
        if saved != key:
            raise ArtifactError(f"{key} was stored as {saved}: another artifact took its name meanwhile")
        stored = _stored_sha256(storage, key)
        if stored != expected:
            raise ArtifactError(f"{key} was stored with sha256 {stored}, expected {expected}")
    return metadata


def artifact_discard(*, artifact_path: str) -> None:
    """Remove whatever an unregistered artifact left in the models storage (a failed job's)."""
    storage = storages["models"]
    for filename in STORED_FILES:
        key = f"{artifact_path}/{filename}"
        try:
            storage.delete(key)
        except Exception as exc:  # best effort: an orphan costs space, not correctness
            logger.warning("could not remove %s from the models storage: %s", key, exc)


def artifact_local_dir(*, artifact_path: str, sha256: str, with_keras: bool = False) -> Path:
    """A local folder holding the artifact's serving file and metadata (and, `with_keras`, the Keras
    model a fine-tune starts from), verified against `sha256`.

    In order: the models storage's own folder (filesystem storage); the copy shipped with the
    code (models/ in every checkout, also when MODEL_DIR lacks it); MODEL_CACHE_DIR/<sha256> (a training machine's copy with
    the Keras model: <sha256>-keras), downloaded if missing. Raises ArtifactError if none is there
    or the bytes do not match: the caller keeps what it serves."""
    files = STORED_FILES if with_keras else SERVED_FILES
    storage = storages["models"]
    on_disk = isinstance(storage, FileSystemStorage)
    if on_disk and Path(storage.path(artifact_path)).exists():
        path = Path(storage.path(artifact_path))
        verify_artifact(path, sha256)
        return _with_files(path, files)
    shipped = Path(settings.SHIPPED_MODEL_DIR).parent / artifact_path
    if (shipped / METADATA_FILE).exists():
        try:
            verify_artifact(shipped, sha256)
            return _with_files(shipped, files)
        except ArtifactError:
            pass  # not the same artifact as the registered one: fetch the registered one
    if on_disk:  # nothing to fetch from: the folder is MODEL_DIR's own
        verify_artifact(Path(storage.path(artifact_path)), sha256)  # raises ArtifactError: missing
    cached = Path(settings.MODEL_CACHE_DIR) / (f"{sha256}-keras" if with_keras else sha256)
    if cached.exists():
        try:
            verify_artifact(cached, sha256)
            return _with_files(cached, files)
        except ArtifactError as exc:
            logger.warning("cached artifact %s is damaged (%s): fetching it again", cached, exc)
            shutil.rmtree(cached, ignore_errors=True)
    return _download(storage, artifact_path, sha256, cached, files)


def artifact_has_keras(*, artifact_path: str) -> bool:
    """Whether the stored artifact has the Keras model a fine-tune starts from (without fetching it)."""
    key = f"{artifact_path}/{KERAS_FILE}"
    shipped = Path(settings.SHIPPED_MODEL_DIR).parent / artifact_path / KERAS_FILE
    try:
        return shipped.is_file() or storages["models"].exists(key)
    except Exception as exc:  # the storage is unreachable: say no, with the reason in the log
        logger.warning("could not look up %s in the models storage: %s", key, exc)
        return False


def _with_files(path: Path, files) -> Path:
    missing = [name for name in files if not (path / name).is_file()]
    if missing:
        raise ArtifactError(f"{path} lacks {', '.join(missing)}")
    return path


def _download(storage, artifact_path: str, sha256: str, target: Path, files=SERVED_FILES) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        for filename in files:
            key = f"{artifact_path}/{filename}"
            try:
                with storage.open(key, "rb") as source, open(staging / filename, "wb") as copy:
                    shutil.copyfileobj(source, copy, 1 << 20)
            except Exception as exc:  # each backend raises its own errors (boto3's, OSError, ...)
                raise ArtifactError(f"could not fetch {key} from the models storage: {exc}") from exc
        verify_artifact(staging, sha256)
        staging.chmod(0o755)
        try:
            os.rename(staging, target)
        except OSError:
            if not target.exists():
                raise
            shutil.rmtree(staging, ignore_errors=True)  # another process fetched it meanwhile
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    logger.info("fetched model artifact %s (sha256 %s) into %s", artifact_path, sha256, target)
    return target


def _is_in_place(storage, key: str, local: Path) -> bool:
    """The storage's file for `key` is `local` itself (a filesystem storage over MODEL_DIR)."""
    if not isinstance(storage, FileSystemStorage):
        return False
    stored = Path(storage.path(key))
    return stored.exists() and os.path.samefile(stored, local)


def _stored_sha256(storage, key: str) -> str:
    digest = hashlib.sha256()
    with storage.open(key, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
