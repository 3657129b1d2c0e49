"""Running a training job: claim it, train it against ml.train, score the candidate against the
serving version (the gate), register it and, for the learning loop's own jobs, promote it if the
gate blessed it. Its log tail, progress and heartbeat on the job row are training_progress.py's.

The job's state transitions are training.py's rules: a claim is a conditional UPDATE from
queued, and the end of a run only moves a job that is still running.
"""

import logging
import shutil
import traceback
from pathlib import Path
from typing import Callable

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from ml.canvas_style import canvas_style_test_set
from ml.data import load_mnist
from ml.evaluate import evaluate_sets
from ml.gate import gate_compare
from ml.predict import Predictor
from ml.config import TrainConfig
from ml.train import ExtraData, Progress, TrainingCancelled, train
from recognizer.models import ModelVersion, TrainingJob
from recognizer.selectors import model_version_get_active, training_set_get
from recognizer.services.artifacts import artifact_discard, artifact_local_dir
from recognizer.services.model_versions import PromotionRefused, model_version_promote, model_version_register
from recognizer.services.training import JobStateError
from recognizer.services.training_progress import Heartbeat, JobLog, ProgressReporter

logger = logging.getLogger(__name__)


def training_job_run(
    *, job_id: int, task_id: str = "", worker: str = "", on_progress: Callable[[Progress], None] | None = None
) -> TrainingJob | None:
    """Claim the job and run it. A job already claimed or finished is left alone (None).
    `on_progress` also receives every progress report (the CLI draws its progress bar with it)."""
    now = timezone.now()
    claimed = TrainingJob.objects.filter(pk=job_id, status=TrainingJob.Status.QUEUED, cancel_requested=False).update(
        status=TrainingJob.Status.RUNNING, started_at=now, heartbeat_at=now, worker=worker[:200],
        celery_task_id=task_id or "", attempts=F("attempts") + 1,
    )
    if not claimed:
        logger.info("training job %s: already claimed or finished, nothing to do", job_id)
        return None
    job = TrainingJob.objects.get(pk=job_id)
    _execute(job, on_progress)
    job.refresh_from_db()
    return job


def _execute(job: TrainingJob, on_progress: Callable[[Progress], None] | None) -> None:
    log = JobLog(job)
    heartbeat = Heartbeat(job.pk, settings.TRAINING_HEARTBEAT_SECONDS)
    heartbeat.start()
    name = f"job-{job.pk}-{timezone.now():%Y%m%d-%H%M%S}"
    artifact_dir = Path(settings.MODEL_DIR) / name
    try:
        parent = model_version_get_active()
        metadata, evaluation_sets, snapshot = _candidate_train(job, name=name, parent=parent, log=log,
                                                               on_progress=on_progress)
        gate = _gate(parent, metadata["metrics"], evaluation_sets) if parent is not None else {}
        if gate:
            log.write(f"gate against {parent.name}: {gate['summary']}")
        _candidate_register(job, artifact_dir=artifact_dir, parent=parent, snapshot=snapshot, gate=gate, log=log)
    except TrainingCancelled:
        log.write("cancelled")
        _finish(job, TrainingJob.Status.CANCELLED, log)
    except BaseException as exc:  # includes Celery's SoftTimeLimitExceeded
        log.write(traceback.format_exc(limit=8))
        _finish(job, TrainingJob.Status.FAILED, log, error=f"{type(exc).__name__}: {exc}")
        _discard(artifact_dir)
        if not isinstance(exc, Exception):
            raise
    finally:
        heartbeat.stop()


def _candidate_train(job: TrainingJob, *, name: str, parent: ModelVersion | None, log: JobLog,
                     on_progress: Callable[[Progress], None] | None) -> tuple[dict, dict, dict]:
    """Train the job's candidate `name` into MODEL_DIR: (its metadata, the evaluation sets it was
    scored on, the snapshot of what it was trained on)."""
    config = TrainConfig.from_dict(job.config)
    extra, evaluation_sets, snapshot = _user_drawing_data(job)
    log.write(f"training {name} on {snapshot['description']} with {job.config}")
    canvas_style = canvas_style_test_set(
        settings.MNIST_DIR, cache_dir=settings.DATASET_CACHE_DIR, limit=settings.CANVAS_STYLE_EVAL_SIZE
    )
    evaluation_sets = {"canvas_style": canvas_style, **evaluation_sets}
    initial_model = None
    if config.warm_start:
        initial_model, snapshot = _warm_start(parent, config, snapshot, log)

    # Every job is scored on the real writers it did not train on (when the data is there).
    pendigits_dir = settings.PENDIGITS_DIR if Path(settings.PENDIGITS_DIR).exists() else None
    metadata = train(
        config,
        mnist_dir=settings.MNIST_DIR,
        output_dir=settings.MODEL_DIR,
        name=name,
        extra=extra,
        evaluation_sets=evaluation_sets,
        progress=ProgressReporter(job, log, on_progress),
        initial_model=initial_model,
        pendigits_dir=pendigits_dir,
        cache_dir=settings.DATASET_CACHE_DIR,
        real_writer_limit=settings.REAL_WRITER_EVAL_SIZE,
    )
    return metadata, evaluation_sets, snapshot


def _candidate_register(job: TrainingJob, *, artifact_dir: Path, parent: ModelVersion | None, snapshot: dict,
                        gate: dict, log: JobLog) -> None:
    """Register the trained candidate, promote it if it may, and mark the job succeeded: all in one
    transaction, and only while the job still runs (JobStateError once it was reaped or cancelled)."""
    with transaction.atomic():
        still_running = TrainingJob.objects.select_for_update().filter(pk=job.pk, status=TrainingJob.Status.RUNNING)
        if not still_running.exists():
            raise JobStateError("the job was ended while it ran (reaped or cancelled)")
        version = model_version_register(artifact_dir=artifact_dir, job=job, parent=parent, data_snapshot=snapshot,
                                         gate=gate)
        real = version.real_writer_accuracy
        log.write(f"registered model version {version.name}: MNIST test {version.mnist_test_accuracy:.2%}, "
                  f"canvas-style {version.canvas_style_accuracy:.2%}, "
                  + (f"real writers {real:.2%}" if real is not None else "real writers not measured"))
        _promote_if_blessed(job, version, parent, log)
        still_running.update(
            status=TrainingJob.Status.SUCCEEDED, finished_at=timezone.now(), log_tail=log.text(),
            progress={**job.progress, "stage": "done", "percent": 100.0, "eta": 0},
        )


def _warm_start(parent: ModelVersion | None, config: TrainConfig, snapshot: dict, log: JobLog):
    """A fine-tune starts from the serving version's weights and replays its earlier data:
    (initial model file, the snapshot recording both)."""
    if parent is None or parent.metadata.get("architecture", config.architecture) != config.architecture:
        raise ValueError("the serving version changed since the job was queued: it fine-tunes "
                         f"{config.architecture}, {parent.name if parent else 'nothing'} serves")
    # The earlier data replayed: a sample of replay_size examples of MNIST and of whatever else
    # the parent learned from (its real writers, non-digits: inherited in its config).
    snapshot = {**snapshot, "fine_tuned_from": parent.name,
                "replay": {"size": config.replay_size or "all",
                           "of": ["mnist", *(["real writers"] if config.pendigits_writers else []),
                                  *(["non-digits"] if config.non_digits else [])]}}
    log.write(f"fine-tuning {parent.name}, replaying {snapshot['replay']}")
    # The serving version may have been trained on another machine: fetched by sha256.
    initial_model = artifact_local_dir(artifact_path=parent.artifact_path, sha256=parent.sha256,
                                       with_keras=True) / "model.keras"
    return initial_model, snapshot


def _gate(parent: ModelVersion, candidate_metrics: dict, evaluation_sets: dict) -> dict:
    """Score the parent (the version serving when the job started) on exactly the sets the
    candidate was scored on (MNIST test and every evaluation set), and compare (ml.gate)."""
    test = load_mnist(settings.MNIST_DIR, "test")
    served = Predictor.load(artifact_local_dir(artifact_path=parent.artifact_path, sha256=parent.sha256),
                            expected_sha256=parent.sha256)
    sets = {"mnist_test": (test.images, test.labels), **evaluation_sets}
    reused = {}
    if (parent.metadata.get("data") or {}).get("mnist_test_checksums") == test.checksums and "mnist_test" in parent.metrics:
        # The same model bytes (sha256 checked above) on the same files (md5 sums) score the same:
        # its recorded MNIST figures are what scoring again would give, half a minute sooner.
        reused["mnist_test"] = parent.metrics["mnist_test"]
        del sets["mnist_test"]
    baseline = {**reused, **evaluate_sets(served.probabilities, sets)}
    return {"baseline": parent.name, "baseline_metrics": baseline, **gate_compare(candidate_metrics, baseline)}


def _promote_if_blessed(job: TrainingJob, version: ModelVersion, parent, log: JobLog) -> None:
    """With RETRAIN_AUTO_PROMOTE, the loop's own candidate serves if the gate blessed it and the
    version it was compared with still serves; anything else waits for a person in the admin."""
    if job.trigger != TrainingJob.Trigger.REVIEWS or not settings.RETRAIN_AUTO_PROMOTE:
        return
    if version.is_blessed is not True:
        log.write("not promoted: the gate refused it")
        return
    if parent is None or model_version_get_active() != parent:
        log.write("not promoted: the serving version changed while it trained")
        return
    try:
        model_version_promote(version=version, by=None, automatic=True,
                              reason=f"automatic, gate against {parent.name}: {version.gate['summary']}")
    except PromotionRefused as exc:
        log.write(f"not promoted: {exc}")
        return
    log.write(f"promoted automatically: {version.name} serves")


def _finish(job: TrainingJob, status: str, log: JobLog, error: str = "") -> None:
    TrainingJob.objects.filter(pk=job.pk, status=TrainingJob.Status.RUNNING).update(
        status=status, finished_at=timezone.now(), error=error[:2000], log_tail=log.text()
    )


def _discard(artifact_dir: Path) -> None:
    """An artifact whose job did not succeed is never registered; remove what was written of it,
    here and in the models storage (an upload cut short by the failure)."""
    if ModelVersion.objects.filter(artifact_path=artifact_dir.name).exists():
        return
    shutil.rmtree(artifact_dir, ignore_errors=True)
    artifact_discard(artifact_path=artifact_dir.name)


def _user_drawing_data(job: TrainingJob):
    if not job.include_user_drawings:
        return None, {}, {"description": "MNIST", "user_drawings": 0}
    training_set = training_set_get(cutoff=job.user_drawings_cutoff)
    snapshot = {
        "description": f"MNIST + {len(training_set.train_labels)} user drawings" if job.config.get("use_mnist", True)
        else f"{len(training_set.train_labels)} user drawings",
        **training_set.snapshot,
    }
    extra = ExtraData(images=training_set.train_images, labels=training_set.train_labels, description=training_set.snapshot)
    return extra, {"user_holdout": (training_set.holdout_images, training_set.holdout_labels)}, snapshot
