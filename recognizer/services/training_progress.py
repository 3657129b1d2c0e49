"""How a running training job reports on its row, for its admin pages and the reaper: the tail
of its log, its progress (which is also where a cancel request is noticed) and a heartbeat from
a thread while it runs. services/training_runs.py runs the job and makes these.
"""

import logging
import threading
import time
from typing import Callable

from django.db import DatabaseError, connection
from django.utils import timezone

from ml.train import Progress, TrainingCancelled
from recognizer.models import TrainingJob

logger = logging.getLogger(__name__)

LOG_TAIL_LINES = 40


class JobLog:
    """The last lines of a job's log, kept on the job row."""

    def __init__(self, job: TrainingJob):
        self.lines = job.log_tail.splitlines()

    def write(self, line: str) -> None:
        stamp = timezone.now().strftime("%H:%M:%S")
        self.lines.extend(f"{stamp} {part}" for part in line.rstrip().splitlines())
        self.lines = self.lines[-LOG_TAIL_LINES:]

    def text(self) -> str:
        return "\n".join(self.lines)


class ProgressReporter:
    """Writes progress to the job row (at most every PROGRESS_SECONDS) and checks for cancel."""

    PROGRESS_SECONDS = 1.0

    def __init__(self, job: TrainingJob, log: JobLog, echo: Callable[[Progress], None] | None):
        self.job = job
        self.log = log
        self.echo = echo
        self.history: list[dict] = []
        self.last_write = 0.0

    def __call__(self, progress: Progress) -> None:
        if self.echo is not None:
            self.echo(progress)
        important = progress.stage != "training" or progress.epoch_metrics is not None
        if progress.epoch_metrics:
            self.history.append(progress.epoch_metrics)
            shown = ", ".join(f"{k} {v:.4f}" for k, v in progress.epoch_metrics.items() if k not in ("epoch", "elapsed"))
            self.log.write(f"epoch {progress.epoch}/{progress.epochs}: {shown}")
        elif progress.stage != "training":
            self.log.write(f"{progress.stage}...")
        if not important and time.monotonic() - self.last_write < self.PROGRESS_SECONDS:
            return
        self.last_write = time.monotonic()
        state = {
            "stage": progress.stage, "epoch": progress.epoch, "epochs": progress.epochs, "batch": progress.batch,
            "batches": progress.batches, "percent": progress.percent, "elapsed": progress.elapsed, "eta": progress.eta,
        }
        self.job.progress = state
        TrainingJob.objects.filter(pk=self.job.pk).update(
            progress=state, history=self.history, log_tail=self.log.text(), heartbeat_at=timezone.now()
        )
        if TrainingJob.objects.filter(pk=self.job.pk, cancel_requested=True).exists():
            raise TrainingCancelled


class Heartbeat:
    """Touches heartbeat_at every few seconds from a thread, also during long non-batch stages."""

    def __init__(self, job_id: int, every: float):
        self.job_id = job_id
        self.every = every
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, name=f"heartbeat-job-{job_id}", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.stopped.set()
        self.thread.join(timeout=self.every + 5)

    def _run(self) -> None:
        try:
            while not self.stopped.wait(self.every):
                try:
                    TrainingJob.objects.filter(pk=self.job_id, status=TrainingJob.Status.RUNNING).update(
                        heartbeat_at=timezone.now()
                    )
                except DatabaseError as exc:  # a busy or briefly unreachable database: try again next beat
                    logger.warning("training job %s: heartbeat not recorded: %s", self.job_id, exc)
        finally:
            connection.close()
