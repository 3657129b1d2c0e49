"""The loop works: drawings in a style MNIST handles badly, labelled through review, retrained on,
and the new version gets that style right where the old one did not. Slow: trains a model."""

import shutil

import numpy as np
import pytest

from ml.evaluate import evaluate
from ml.predict import Predictor
from recognizer.selectors import model_version_get_active, training_set_get
from recognizer.services.drawings import drawing_create_with_prediction
from recognizer.services.reviews import drawing_review_label
from recognizer.services.predictors import predictor_forget
from recognizer.services.training import training_job_create
from recognizer.services.training_runs import training_job_run
from tests.canvases import DIGIT_STROKES, steeply_slanted_png

pytestmark = pytest.mark.slow


@pytest.mark.django_db
def test_retraining_on_reviewed_drawings_fixes_the_style_it_was_taught(settings, tmp_path, django_user_model):
    settings.MODEL_DIR = tmp_path
    shutil.copytree(settings.SHIPPED_MODEL_DIR, tmp_path / settings.SHIPPED_MODEL_DIR.name)
    predictor_forget()
    reviewer = django_user_model.objects.create_user("rita", password="x-long-password-7", is_staff=True)
    rng = np.random.default_rng(1)
    for digit in DIGIT_STROKES:
        for _ in range(60):
            drawing, _ = drawing_create_with_prediction(image=steeply_slanted_png(digit, rng))
            drawing_review_label(drawing=drawing, reviewed_by=reviewer, label=digit)

    training_set = training_set_get()
    held_out = (training_set.holdout_images, training_set.holdout_labels)
    assert len(held_out[1]) >= 30 and set(held_out[1]) == set(DIGIT_STROKES)
    old = model_version_get_active()
    old_predictor = Predictor.load(old.artifact_dir)
    # The style really is one MNIST handles badly: on all of these drawings (the same every run,
    # about 45 %). Which fifth is held out depends on the drawings' random ids, so the old
    # model's score on the hold-out alone varies (from about 34 % to 56 %, rarely 70 %).
    everything = (np.concatenate([training_set.train_images, held_out[0]]),
                  np.concatenate([training_set.train_labels, held_out[1]]))
    assert evaluate(old_predictor.probabilities, *everything)["accuracy"] < 0.6
    old_accuracy = evaluate(old_predictor.probabilities, *held_out)["accuracy"]

    job = training_job_create(requested_by=reviewer, enqueue=False, include_user_drawings=True,
                              config={"epochs": 3, "batch_size": 64, "train_limit": 6000})
    job = training_job_run(job_id=job.pk, worker="test")
    assert job.status == "succeeded", job.error
    new = job.model_version
    new_accuracy = new.metrics["user_holdout"]["accuracy"]

    print(f"held-out slanted digits: {old.name} {old_accuracy:.1%} -> {new.name} {new_accuracy:.1%}")
    assert new_accuracy >= 0.8 and new_accuracy >= old_accuracy + 0.2
    assert new.metrics["user_holdout"]["count"] == len(held_out[1])
    assert new.data_snapshot["user_holdout_count"] == len(held_out[1])
    assert new.data_snapshot["drawing_ids_sha256"] == training_set.snapshot["drawing_ids_sha256"]
    assert new.parent == old
    predictor_forget()
