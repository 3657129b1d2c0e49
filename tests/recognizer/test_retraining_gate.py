"""The gate in a fine-tune job: the candidate is compared with the serving version on the same
sets (the serving one re-scored there), the verdict is recorded, and with RETRAIN_AUTO_PROMOTE
only a blessed candidate of the loop serves, audited as automatic.

ml.train.train is replaced by a stand-in that writes a copy of the shipped artifact with chosen
metrics (training is tested in tests/ml and by the worker tests); everything else is real,
including the serving version's scoring with its LiteRT model.
"""

import json
import shutil
from pathlib import Path

import pytest
from django.conf import settings

from ml.evaluate import evaluate
from ml.predict import Predictor
from ml.config import FINE_TUNE
from recognizer.models import ModelVersionChange, TrainingJob
from recognizer.selectors import model_version_get_active
from recognizer.services.training import training_job_create
from recognizer.services.training_runs import training_job_run
from tests.recognizer.reviewed import reviewed_drawings_create

pytestmark = [pytest.mark.django_db, pytest.mark.slow]  # each re-scores the serving model on MNIST test (10,000 LiteRT calls)

CONFIG = {**FINE_TUNE, "replay_size": 300, "epochs": 1}


@pytest.fixture(scope="module")
def shipped_scores():
    """The shipped model's metrics on MNIST test and the canvas-style set, computed once."""
    from ml.canvas_style import canvas_style_test_set
    from ml.data import load_mnist

    predictor = Predictor.load(settings.SHIPPED_MODEL_DIR)
    test = load_mnist(settings.MNIST_DIR, "test")
    canvas = canvas_style_test_set(settings.MNIST_DIR, cache_dir=settings.DATASET_CACHE_DIR,
                                   limit=settings.CANVAS_STYLE_EVAL_SIZE)
    return {"mnist_test": evaluate(predictor.probabilities, test.images, test.labels),
            "canvas_style": evaluate(predictor.probabilities, *canvas)}


@pytest.fixture
def fake_train(monkeypatch, model_dir, shipped_scores):
    """Returns a setter: the next job's "trained" model scores like the shipped one, shifted."""
    shifts = {}
    seen = {}

    def train(config, *, output_dir, name, evaluation_sets, initial_model=None, **kwargs):
        seen.update(config=config, initial_model=initial_model, sets=sorted(evaluation_sets))
        predictor = Predictor.load(settings.SHIPPED_MODEL_DIR)
        metrics = {key: dict(value) for key, value in shipped_scores.items()}
        metrics["user_holdout"] = evaluate(predictor.probabilities, *evaluation_sets["user_holdout"])
        for key, shift in shifts.items():
            metrics[key]["accuracy"] += shift
        target = Path(output_dir) / name
        shutil.copytree(settings.SHIPPED_MODEL_DIR, target)
        metadata = {**json.loads((target / "metadata.json").read_text()), "name": name, "metrics": metrics}
        (target / "metadata.json").write_text(json.dumps(metadata))
        return metadata

    monkeypatch.setattr("recognizer.services.training_runs.train", train)  # where the service calls it

    def set_shifts(**values):
        shifts.clear()
        shifts.update(values)
        return seen

    return set_shifts


def run_fine_tune(trigger=TrainingJob.Trigger.REVIEWS):
    reviewed_drawings_create(60)
    job = training_job_create(requested_by=None, config=CONFIG, trigger=trigger, enqueue=False)
    job = training_job_run(job_id=job.pk, worker="test")
    assert job.status == "succeeded", job.error + job.log_tail
    return job.model_version


def test_a_worse_candidate_is_refused_and_stays_unpromoted(fake_train, settings):
    settings.RETRAIN_AUTO_PROMOTE = True
    shipped = model_version_get_active()
    fake_train(mnist_test=-0.005)
    version = run_fine_tune()
    assert version.is_blessed is False
    mnist = next(check for check in version.gate["checks"] if check["metric"] == "mnist_test")
    assert not mnist["passed"] and round(mnist["delta"], 4) == -0.005
    assert version.gate["summary"].startswith("refused") and "FAILED" in version.gate["summary"]
    assert model_version_get_active() == shipped and not version.is_active
    assert not ModelVersionChange.objects.filter(to_version=version).exists()
    assert "not promoted: the gate refused it" in version.job.log_tail


def test_a_blessed_candidate_of_the_loop_serves_with_auto_promote(fake_train, settings):
    settings.RETRAIN_AUTO_PROMOTE = True
    shipped = model_version_get_active()
    seen = fake_train(canvas_style=+0.001)
    version = run_fine_tune()
    assert version.is_blessed is True and version.gate["baseline"] == shipped.name
    # The serving version was re-scored on exactly the candidate's sets.
    assert sorted(version.gate["baseline_metrics"]) == ["canvas_style", "mnist_test", "user_holdout"]
    assert [c["metric"] for c in version.gate["checks"]] == ["canvas_style", "mnist_test", "user_holdout"]
    version.refresh_from_db()
    assert version.is_active
    change = ModelVersionChange.objects.get(to_version=version)
    assert change.automatic and change.changed_by is None and not change.forced
    assert change.from_version == shipped and "canvas_style" in change.reason and "automatic" in change.reason
    # Warm start: from the serving version's weights, and the version says so.
    assert seen["initial_model"] == shipped.artifact_dir / "model.keras" and seen["config"].warm_start
    assert version.parent == shipped and version.data_snapshot["fine_tuned_from"] == shipped.name
    # The shipped model learned from real writers and non-digits too: its fine-tune replays them all.
    assert version.data_snapshot["replay"] == {"size": 300, "of": ["mnist", "real writers", "non-digits"]}
    assert version.data_snapshot["user_drawings"] == 60


def test_without_auto_promote_a_blessed_candidate_waits(fake_train, settings):
    settings.RETRAIN_AUTO_PROMOTE = False
    fake_train()
    version = run_fine_tune()
    assert version.is_blessed is True and not version.is_active


def test_a_staff_job_is_never_promoted_automatically(fake_train, settings):
    settings.RETRAIN_AUTO_PROMOTE = True
    fake_train()
    version = run_fine_tune(trigger=TrainingJob.Trigger.STAFF)
    assert version.is_blessed is True and not version.is_active


def test_the_admin_page_shows_candidate_vs_serving_and_the_verdict(fake_train, admin_client):
    fake_train(mnist_test=-0.005)
    version = run_fine_tune()
    page = admin_client.get(f"/admin/recognizer/modelversion/{version.pk}/change/").content.decode()
    assert f"Gate: refused against {model_version_get_active().name}" in page
    assert "-0.50" in page and "FAIL" in page  # the MNIST change, in points, and its check
    assert "candidate minus serving" in page and page.count('class="per-digit"') >= 3
