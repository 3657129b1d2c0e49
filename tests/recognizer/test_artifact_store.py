"""Artifacts through the "models" storage on a real S3-compatible server (SeaweedFS): a worker stores
every file and checks it before the version is registered; a web machine with an empty local disk
fetches the serving file by sha256 into its cache, refuses a corrupt download and keeps serving."""

import hashlib
import json
import os
import subprocess
import sys

import pytest
from django.conf import settings

from ml.artifact import ArtifactError
from recognizer.models import ModelVersion
from recognizer.services.artifacts import artifact_discard, artifact_has_keras, artifact_local_dir, artifact_store
from recognizer.services.model_versions import PromotionRefused, model_version_promote, model_version_register
from recognizer.services.predictors import predictor_forget, predictor_get_serving, predictor_recheck_active
from tests.helpers import SHIPPED, ModelDir

FILES = ("model.tflite", "model.keras", "metadata.json")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def stored(seaweedfs, bucket, key) -> bytes:
    return seaweedfs.client().get_object(Bucket=bucket, Key=key)["Body"].read()


def another_machine(settings, tmp_path, name):
    """This test process now plays a machine with its own, empty local disk."""
    settings.MODEL_DIR = tmp_path / name / "models"
    settings.MODEL_DIR.mkdir(parents=True)
    settings.MODEL_CACHE_DIR = tmp_path / name / "model-cache"
    predictor_forget()


@pytest.fixture
def worker_artifact(s3_models, settings):
    """A trained artifact "second" in the worker's local MODEL_DIR (a copy of the shipped one)."""
    return ModelDir(settings, settings.MODEL_DIR).copy("second")


@pytest.mark.django_db
def test_registering_uploads_every_file_checked_by_sha256(seaweedfs, s3_models, worker_artifact):
    version = model_version_register(artifact_dir=worker_artifact)
    listed = seaweedfs.client().list_objects_v2(Bucket=s3_models, Prefix="second/")["Contents"]
    assert sorted(item["Key"] for item in listed) == sorted(f"second/{name}" for name in FILES)
    for name in FILES:
        assert sha256(stored(seaweedfs, s3_models, f"second/{name}")) == sha256((worker_artifact / name).read_bytes())
    assert version.artifact_path == "second"
    assert sha256(stored(seaweedfs, s3_models, "second/model.tflite")) == version.sha256


@pytest.mark.django_db
def test_an_incomplete_artifact_is_not_registered(s3_models, worker_artifact):
    (worker_artifact / "model.keras").unlink()
    with pytest.raises(ArtifactError, match="model.keras is missing"):
        model_version_register(artifact_dir=worker_artifact)
    assert not ModelVersion.objects.filter(name="second").exists()


@pytest.mark.django_db
def test_other_bytes_already_stored_under_the_name_are_never_overwritten(seaweedfs, s3_models, worker_artifact):
    seaweedfs.client().put_object(Bucket=s3_models, Key="second/model.keras", Body=b"someone else's model")
    with pytest.raises(ArtifactError, match="already stored with other content"):
        model_version_register(artifact_dir=worker_artifact)
    assert not ModelVersion.objects.filter(name="second").exists()
    assert stored(seaweedfs, s3_models, "second/model.keras") == b"someone else's model"


def test_a_failed_jobs_upload_is_removed_from_the_bucket(seaweedfs, s3_models, worker_artifact):
    """What training_job_run's failure path calls for an artifact it did not register."""
    artifact_store(artifact_dir=worker_artifact, artifact_path="job-9-cut-short")
    listed = seaweedfs.client().list_objects_v2(Bucket=s3_models, Prefix="job-9-cut-short/")
    assert listed["KeyCount"] == 3
    artifact_discard(artifact_path="job-9-cut-short")
    assert seaweedfs.client().list_objects_v2(Bucket=s3_models, Prefix="job-9-cut-short/")["KeyCount"] == 0


@pytest.mark.django_db
def test_a_web_machine_fetches_the_promoted_version_into_its_cache(client, settings, tmp_path, s3_models, worker_artifact):
    version = model_version_register(artifact_dir=worker_artifact)
    another_machine(settings, tmp_path, "web")
    model_version_promote(version=version, by=None)
    serving, _ = predictor_get_serving()
    assert serving.name == "second"
    cached = settings.MODEL_CACHE_DIR / version.sha256
    assert sorted(os.listdir(cached)) == ["metadata.json", "model.tflite"]
    assert json.loads((cached / "metadata.json").read_text())["name"] == "second"
    assert not any(settings.MODEL_DIR.iterdir())  # nothing was written to the web machine's MODEL_DIR


@pytest.mark.django_db
def test_a_training_machine_fetches_the_keras_model_to_fine_tune_from(settings, tmp_path, s3_models, worker_artifact):
    """A fine-tune starts from the serving version's Keras model, trained on another machine."""
    version = model_version_register(artifact_dir=worker_artifact)
    another_machine(settings, tmp_path, "worker-2")
    assert artifact_has_keras(artifact_path=version.artifact_path)
    local = artifact_local_dir(artifact_path=version.artifact_path, sha256=version.sha256, with_keras=True)
    assert sorted(os.listdir(local)) == sorted(FILES)
    assert (local / "model.keras").read_bytes() == (worker_artifact / "model.keras").read_bytes()
    assert not artifact_has_keras(artifact_path="no-such-version")


@pytest.mark.django_db
def test_the_shipped_model_serves_from_the_checkout_with_no_upload(s3_models, settings):
    serving, _ = predictor_get_serving()
    assert serving.name == SHIPPED and serving.is_active
    assert not settings.MODEL_CACHE_DIR.exists()  # read from models/ in the checkout, nothing fetched


@pytest.mark.django_db
def test_a_corrupt_download_is_refused_and_the_old_version_keeps_serving(
    seaweedfs, settings, tmp_path, s3_models, worker_artifact
):
    version = model_version_register(artifact_dir=worker_artifact)
    another_machine(settings, tmp_path, "web")
    assert predictor_get_serving()[0].name == SHIPPED
    seaweedfs.client().put_object(Bucket=s3_models, Key="second/model.tflite", Body=b"damaged in the bucket")
    with pytest.raises(PromotionRefused, match="sha256"):
        model_version_promote(version=version, by=None)
    # Promoted from another machine before the damage: this web machine refuses it and serves on.
    ModelVersion.objects.filter(is_active=True).update(is_active=False)
    ModelVersion.objects.filter(pk=version.pk).update(is_active=True)
    predictor_recheck_active()  # as a second passes in a web process
    assert predictor_get_serving()[0].name == SHIPPED
    assert not (settings.MODEL_CACHE_DIR / version.sha256).exists()
    assert [p.name for p in settings.MODEL_CACHE_DIR.iterdir()] == []  # no half download left behind


def test_settings_build_the_s3_storage_from_django_storages_env_names(seaweedfs, tmp_path):
    """MODEL_STORAGE=s3 and the AWS_* variables alone give a process a working models storage."""
    bucket = seaweedfs.bucket_create("models-from-env")
    env = {**os.environ, **seaweedfs.env(bucket), "DJANGO_SETTINGS_MODULE": "digitsite.settings"}
    script = (
        "import django; django.setup()\n"
        "from django.core.files.base import ContentFile\n"
        "from django.core.files.storage import storages\n"
        "print(type(storages['models']).__name__, storages['models'].save('probe/x.txt', ContentFile(b'hello')))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=settings.BASE_DIR, env=env, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split() == ["S3Storage", "probe/x.txt"]
    assert stored(seaweedfs, bucket, "probe/x.txt") == b"hello"
    wrong = subprocess.run([sys.executable, "-c", script], cwd=settings.BASE_DIR, capture_output=True, text=True,
                           env={**env, "AWS_SECRET_ACCESS_KEY": "wrong"}, timeout=60)
    assert wrong.returncode != 0 and "Forbidden" in wrong.stderr  # the server checks the secret
