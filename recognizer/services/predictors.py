"""One loaded Predictor per process, following the active model version.

Loading an artifact checks its sha256 and costs a few milliseconds (plus, with an object-storage
bucket, fetching the serving file once per machine into MODEL_CACHE_DIR), so it happens once per
process per version. Which version is active is looked up at most every
MODEL_ACTIVE_CHECK_SECONDS (1 s by default) per process, not on every request, so a promotion
is picked up within that time without a restart (at once in the process that made it). If the
newly active version's artifact is missing or corrupt, the version this process already serves
keeps answering and the error is logged; that version is tried again only after
REFUSED_RETRY_SECONDS, so a refused artifact (with an object store: a download each try) is not
fetched again on every request, under the lock, while the others wait.
"""

import logging
import threading
import time

from django.conf import settings

from ml.artifact import ArtifactError
from ml.predict import Predictor
from recognizer.models import ModelVersion
from recognizer.selectors import model_version_get_active
from recognizer.services.artifacts import artifact_local_dir

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_serving: tuple[ModelVersion, Predictor] | None = None  # the version this process answers with
_active: tuple[float, ModelVersion | None] | None = None  # (when it was looked up, the active version)
_refused: dict[tuple[int, str], tuple[float, str]] = {}  # (pk, sha256) -> (when, why) its load failed
REFUSED_RETRY_SECONDS = 30.0


class ModelUnavailable(Exception):
    """No model can answer right now (none active, or its artifact is missing or corrupt)."""


def predictor_get_serving() -> tuple[ModelVersion, Predictor]:
    """The active version and its Predictor, or the last good one if the active cannot load."""
    global _serving
    active = _active_version()
    if active is None:
        raise ModelUnavailable("no model version is active")
    serving = _serving
    if _serves(serving, active):
        return serving
    with _lock:
        if _serves(_serving, active):  # another thread loaded it while this one waited
            return _serving
        why = predictor_refusal(active)
        if why is None:
            try:
                artifact_dir = artifact_local_dir(artifact_path=active.artifact_path, sha256=active.sha256)
                _serving = (active, Predictor.load(artifact_dir, expected_sha256=active.sha256))
                _refused.pop((active.pk, active.sha256), None)
                return _serving
            except ArtifactError as exc:
                why = str(exc)
                _refused[(active.pk, active.sha256)] = (time.monotonic(), why)
                if _serving is not None:
                    logger.error("model %s refused, still serving %s: %s", active.name, _serving[0].name, why)
        if _serving is None:
            raise ModelUnavailable(f"model {active.name} cannot be loaded: {why}")
        return _serving


def predictor_refusal(version: ModelVersion) -> str | None:
    """Why this process refused `version` less than REFUSED_RETRY_SECONDS ago, or None."""
    refused = _refused.get((version.pk, version.sha256))
    if refused is None or time.monotonic() - refused[0] >= REFUSED_RETRY_SECONDS:
        return None
    return refused[1]


def _active_version() -> ModelVersion | None:
    """The active version, as looked up at most MODEL_ACTIVE_CHECK_SECONDS ago in this process."""
    global _active
    now = time.monotonic()
    checked = _active
    if checked is not None and now - checked[0] < settings.MODEL_ACTIVE_CHECK_SECONDS:
        return checked[1]
    active = model_version_get_active()
    _active = (now, active)
    return active


def _serves(serving: tuple[ModelVersion, Predictor] | None, version: ModelVersion) -> bool:
    return serving is not None and (serving[0].pk, serving[0].sha256) == (version.pk, version.sha256)


def predictor_recheck_active() -> None:
    """Look the active version up again on the next request (this process just changed it)."""
    global _active
    _active = None


def predictor_forget() -> None:
    """Drop the loaded model, as a fresh process would start (tests, and after deleting a version)."""
    global _serving
    with _lock:
        _serving = None
        _refused.clear()
    predictor_recheck_active()
