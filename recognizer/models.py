"""Digitsite's models: TrainingJob, ModelVersion (and its audit), Drawing, Prediction, LabelChange.

Over 300 lines on purpose: Django keeps an app's models in one module, and each model here
carries its statuses, constraints and the small domain methods that belong to its rows (the
pixels codec, URLs, durations), so a reader finds a table's rules in one place.
"""

import uuid
from pathlib import Path

import numpy as np
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone


class TrainingJob(models.Model):
    """One training run: queued -> running -> succeeded | failed | cancelled."""

    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        SUCCEEDED = "succeeded"
        FAILED = "failed"
        CANCELLED = "cancelled"

    class Trigger(models.TextChoices):
        STAFF = "staff", "Staff (admin or manage.py)"
        REVIEWS = "reviews", "New reviewed drawings (automatic)"

    FINISHED = (Status.SUCCEEDED, Status.FAILED, Status.CANCELLED)
    PENDING = (Status.QUEUED, Status.RUNNING)

    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED, db_index=True)
    config = models.JSONField(help_text="ml.config.TrainConfig as a dict")
    include_user_drawings = models.BooleanField(default=False)
    user_drawings_cutoff = models.DateTimeField(null=True, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    retry_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="retries")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    celery_task_id = models.CharField(max_length=64, blank=True)
    worker = models.CharField(max_length=200, blank=True)
    attempts = models.PositiveIntegerField(default=0, help_text="times a worker claimed it (at most 1)")
    cancel_requested = models.BooleanField(default=False)
    progress = models.JSONField(default=dict, blank=True)
    history = models.JSONField(default=list, blank=True, help_text="metrics per epoch")
    log_tail = models.TextField(blank=True)
    error = models.TextField(blank=True)
    trigger = models.CharField(max_length=16, choices=Trigger.choices, default=Trigger.STAFF)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # The retraining trigger's claim: at most one automatic job queued or running, so two
            # beat processes (or a redelivered trigger message) cannot queue two.
            models.UniqueConstraint(
                fields=["trigger"], condition=Q(trigger="reviews", status__in=["queued", "running"]),
                name="one_pending_triggered_job",
            ),
        ]

    def __str__(self) -> str:
        return f"training job {self.pk} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED

    @property
    def percent(self) -> float:
        if self.status == self.Status.SUCCEEDED:
            return 100.0
        return float(self.progress.get("percent", 0.0))

    @property
    def progress_text(self) -> str:
        if self.status == self.Status.RUNNING and self.progress.get("stage") == "training":
            eta = self.progress.get("eta")
            eta_text = f", {eta:.0f} s left" if eta is not None else ""
            return f"epoch {self.progress.get('epoch')}/{self.progress.get('epochs')} · {self.percent:.0f}%{eta_text}"
        if self.status == self.Status.RUNNING:
            return f"{self.progress.get('stage', 'starting')}..."
        return self.get_status_display()

    @property
    def duration_seconds(self) -> float | None:
        if self.started_at is None:
            return None
        end = self.finished_at or timezone.now()
        return (end - self.started_at).total_seconds()

    @property
    def data_summary(self) -> str:
        parts = []
        if self.config.get("use_mnist", True):
            limit = self.config.get("train_limit")
            parts.append(f"MNIST ({limit})" if limit else "MNIST")
        if self.include_user_drawings:
            parts.append("user drawings")
        summary = " + ".join(parts)
        return f"fine-tune on {summary}" if self.config.get("warm_start") else summary

    def progress_json(self) -> dict:
        """Everything a job's pages show that changes while it runs: the pages render it and the
        live refresh replaces it, so status, bar and duration always come from the same reading."""
        from recognizer.formatting import duration_text

        return {"id": self.pk, "status": self.status, "status_display": self.get_status_display(),
                "percent": self.percent, "text": self.progress_text,
                "epoch": self.progress.get("epoch"), "epochs": self.progress.get("epochs"),
                "eta": self.progress.get("eta"), "error": self.error, "duration": duration_text(self.duration_seconds),
                "heartbeat": self.heartbeat_text}

    @property
    def heartbeat_text(self) -> str:
        """How long ago the worker running the job last said it is alive ("—" unless it runs)."""
        from recognizer.formatting import DASH, duration_text

        if self.status != self.Status.RUNNING or self.heartbeat_at is None:
            return DASH
        return duration_text((timezone.now() - self.heartbeat_at).total_seconds()) + " ago"


class ModelVersion(models.Model):
    """A trained, immutable model artifact under MODEL_DIR; at most one is active (serving)."""

    name = models.SlugField(max_length=64, unique=True)
    artifact_path = models.CharField(max_length=255, help_text="folder, relative to MODEL_DIR")
    sha256 = models.CharField(max_length=64)
    metrics = models.JSONField(default=dict)
    metadata = models.JSONField(default=dict)
    is_active = models.BooleanField(default=False)
    job = models.OneToOneField(TrainingJob, null=True, blank=True, on_delete=models.PROTECT, related_name="model_version")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children",
                               help_text="the version serving when this one was trained")
    data_snapshot = models.JSONField(default=dict, blank=True, help_text="what it was trained on: counts, drawing-id hash")
    gate = models.JSONField(default=dict, blank=True,
                            help_text="ml.gate's comparison with its parent on the same sets: figures and verdict")
    created_at = models.DateTimeField(auto_now_add=True)
    activated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["is_active"], condition=Q(is_active=True), name="one_active_model_version"),
        ]
        permissions = [("promote_modelversion", "Can promote or roll back model versions")]

    def __str__(self) -> str:
        return self.name

    @property
    def artifact_dir(self) -> Path:
        """Its folder under MODEL_DIR: where the machine that trained it wrote it. Serving goes
        through recognizer.services.artifacts.artifact_local_dir, which works on any machine."""
        return Path(settings.MODEL_DIR) / self.artifact_path

    @property
    def mnist_test_accuracy(self) -> float | None:
        return self.metrics.get("mnist_test", {}).get("accuracy")

    @property
    def canvas_style_accuracy(self) -> float | None:
        """On MNIST test digits redrawn as canvas PNGs (ml/canvas_style.py); None for versions
        trained before that set existed."""
        return self.metrics.get("canvas_style", {}).get("accuracy")

    @property
    def is_blessed(self) -> bool | None:
        """The gate's verdict against its parent; None when it was never gated."""
        return self.gate.get("blessed") if self.gate else None

    @property
    def real_writer_accuracy(self) -> float | None:
        """On real writers' pen digits drawn as canvases (ml/real_writers.py), writers the model
        never trained on (or its cross-validation-by-writer estimate); None for versions trained
        before that set existed."""
        return self.metrics.get("real_writer", {}).get("accuracy")


class ModelVersionChange(models.Model):
    """Audit log of what served when: every promotion and rollback."""

    class Kind(models.TextChoices):
        PROMOTE = "promote"
        ROLLBACK = "rollback"

    kind = models.CharField(max_length=16, choices=Kind.choices)
    from_version = models.ForeignKey(ModelVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    to_version = models.ForeignKey(ModelVersion, on_delete=models.PROTECT, related_name="changes_to")
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    reason = models.TextField(blank=True)
    forced = models.BooleanField(default=False, help_text="promoted past the accuracy gate")
    automatic = models.BooleanField(default=False, help_text="promoted by the retraining loop (RETRAIN_AUTO_PROMOTE)")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind}: {self.from_version} -> {self.to_version}"


class Drawing(models.Model):
    """One submitted canvas: the PNG as received and the 28x28 image the model saw."""

    class Source(models.TextChoices):
        CANVAS = "canvas", "Canvas page / API"
        GUESS = "guess", "Original /guess client"
        IMPORT = "import", "Imported dataset"

    class Review(models.TextChoices):
        UNREVIEWED = "unreviewed"
        CONFIRMED = "confirmed", "Confirmed (prediction right)"
        RELABELED = "relabeled", "Relabeled"
        REJECTED = "rejected", "Rejected (not a digit)"

    TRAINABLE = (Review.CONFIRMED, Review.RELABELED)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="drawings"
    )
    # An anonymous drawing belongs to the browser that made it, through the opaque id in that
    # browser's session data (recognizer/visitors.py); never the session key, which is a credential.
    visitor_id = models.CharField(max_length=64, blank=True, db_index=True)
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.CANVAS)
    image_png = models.BinaryField()
    pixels = models.BinaryField(help_text="float32 28x28, what the model saw")
    canvas_width = models.PositiveIntegerField()
    canvas_height = models.PositiveIntegerField()
    user_label = models.PositiveSmallIntegerField(null=True, blank=True, help_text="the digit the user says it is")
    # The user's "Not a digit" (the correction's eleventh button): their word, like user_label,
    # which a reviewer turns into the review's "rejected (not a digit)" or overrules.
    user_says_not_a_digit = models.BooleanField(default=False, help_text="the user says it is not a digit")
    user_labeled_at = models.DateTimeField(null=True, blank=True)
    # The final prediction (of the drawing as last updated), copied here so the review queue can
    # sort and filter without joins.
    predicted_digit = models.PositiveSmallIntegerField(null=True, blank=True, db_index=True)
    confidence = models.FloatField(null=True, blank=True, db_index=True)
    # Review: the label training uses. A reviewer's decision wins over the user's word.
    review_status = models.CharField(max_length=16, choices=Review.choices, default=Review.UNREVIEWED, db_index=True)
    label = models.PositiveSmallIntegerField(null=True, blank=True, help_text="the reviewed digit (training label)")
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="reviewed_drawings")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    # Bumped by every label change; a reviewer's write names the version it saw (optimistic locking).
    label_version = models.PositiveIntegerField(default=0)
    # Sent by the page with each drawing so a retried request is stored once.
    idempotency_key = models.UUIDField(null=True, blank=True, unique=True)
    # What the pen did (recognizer/strokes.py has the shape); null for drawings stored without.
    strokes = models.JSONField(null=True, blank=True)
    # The page updates its drawing at every pen-up and Undo, numbering its updates: the highest
    # applied so far, so a late or retried update (a lower or equal number) changes nothing.
    sequence = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(null=True, blank=True)
    # Undone back to an empty canvas: kept out of review, My drawings, stats, export and training.
    withdrawn_at = models.DateTimeField(null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(user_label__gte=0, user_label__lte=9), name="user_label_is_a_digit"),
            models.CheckConstraint(condition=Q(label__gte=0, label__lte=9), name="label_is_a_digit"),
        ]
        permissions = [("review_drawing", "Can review and relabel drawings")]

    def __str__(self) -> str:
        return f"drawing {self.id}"

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    @property
    def stroke_count(self) -> int:
        return len(self.strokes["strokes"]) if self.strokes else 0

    # The pixels codec, in one place: the 28x28 float32 image the model saw, stored as raw bytes.
    @staticmethod
    def pixels_encode(array: np.ndarray) -> bytes:
        return np.asarray(array, dtype=np.float32).tobytes()

    @staticmethod
    def pixels_decode(pixels: bytes | memoryview) -> np.ndarray:
        return np.frombuffer(bytes(pixels), dtype=np.float32).reshape(28, 28)

    @classmethod
    def pixels_stack(cls, rows) -> np.ndarray:
        """Stored pixel fields (e.g. from values_list) as one (n, 28, 28) float32 array, n >= 0."""
        return np.array([cls.pixels_decode(pixels) for pixels in rows], dtype=np.float32).reshape(-1, 28, 28)

    def pixels_array(self) -> np.ndarray:
        return self.pixels_decode(self.pixels)

    @property
    def image_url(self) -> str:
        """The canvas PNG as drawn (visible to its owner and to staff)."""
        return reverse("drawing-image", args=[self.id])

    @property
    def input_url(self) -> str:
        """The 28x28 image the model saw, as a PNG."""
        return reverse("drawing-input-image", args=[self.id])

    _latest_prediction = None  # set by the service that creates it, or found once and kept

    @property
    def prediction(self) -> "Prediction | None":
        """The latest prediction (a drawing can be re-predicted by later model versions).
        Uses prefetched predictions when the queryset has them, so lists make no query per row."""
        if self._latest_prediction is None:
            prefetched = getattr(self, "_prefetched_objects_cache", {}).get("predictions")
            if prefetched is not None:
                self._latest_prediction = max(prefetched, key=lambda p: (p.created_at, p.pk), default=None)
            else:
                self._latest_prediction = self.predictions.select_related("model_version").order_by("-created_at", "-id").first()
        return self._latest_prediction


class Prediction(models.Model):
    class Verdict(models.TextChoices):
        DIGIT = "digit", "A digit"
        UNSURE = "unsure", "Not sure"
        NOT_A_DIGIT = "not_a_digit", "Not a digit"

    drawing = models.ForeignKey(Drawing, on_delete=models.CASCADE, related_name="predictions")
    model_version = models.ForeignKey(ModelVersion, on_delete=models.PROTECT, related_name="predictions")
    digit = models.PositiveSmallIntegerField()
    probabilities = models.JSONField(help_text="ten probabilities, for digits 0-9")
    confidence = models.FloatField(db_index=True)
    # ml.calibration's verdict with the model's fitted thresholds; null for predictions stored
    # before verdicts existed (their models had no calibration to judge them by).
    verdict = models.CharField(max_length=16, choices=Verdict.choices, null=True, blank=True)
    latency_ms = models.FloatField(help_text="decode + preprocess + inference")
    # A drawing updated at each pen-up keeps every answer it got (its history); the last is final.
    is_final = models.BooleanField(default=True)
    stroke_count = models.PositiveSmallIntegerField(null=True, blank=True, help_text="strokes drawn when asked")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["drawing"], condition=Q(is_final=True), name="one_final_prediction_per_drawing"),
        ]

    def __str__(self) -> str:
        return f"{self.digit} ({self.confidence:.0%}) by {self.model_version}"


class LabelChange(models.Model):
    """Audit trail: every change of a drawing's label, by its user or a reviewer."""

    class Kind(models.TextChoices):
        USER = "user", "User's own label"
        REVIEW = "review", "Reviewer"

    drawing = models.ForeignKey(Drawing, on_delete=models.CASCADE, related_name="label_changes")
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.USER)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    old_label = models.PositiveSmallIntegerField(null=True, blank=True)
    new_label = models.PositiveSmallIntegerField(null=True, blank=True)
    old_status = models.CharField(max_length=16, blank=True)
    new_status = models.CharField(max_length=16, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.old_label} -> {self.new_label}"
