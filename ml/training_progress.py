"""What a training run tells its caller while it runs, and how the caller stops it.

`Progress` is reported at every stage, every few batches and at each epoch's end, by the Keras
callback made here, which also keeps the per-epoch history (scoring any tracked sets).
A progress function may raise `TrainingCancelled` to stop the run.
"""

from __future__ import annotations

import time
from dataclasses import dataclass


class TrainingCancelled(Exception):
    """Raised by a progress callback to stop training; no artifact is written."""


@dataclass(frozen=True)
class Progress:
    stage: str  # "loading", "training", "evaluating", "saving"
    epoch: int = 0  # 1-based; 0 before the first epoch
    epochs: int = 0
    batch: int = 0
    batches: int = 0
    percent: float = 0.0
    elapsed: float = 0.0
    eta: float | None = None
    epoch_metrics: dict | None = None  # set at the end of each epoch


def progress_callback(keras, report, epochs, steps_per_epoch, every, history, tracked):
    """A Keras callback that calls `report` every `every` batches and at each epoch's end, and
    appends each epoch's metrics (and the accuracy on each `tracked` set) to `history`."""

    class ProgressCallback(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.started = time.monotonic()
            self.epoch = 0

        def on_epoch_begin(self, epoch, logs=None):
            self.epoch = epoch

        def _progress(self, batch, epoch_metrics=None):
            done = self.epoch * steps_per_epoch + batch
            elapsed = time.monotonic() - self.started
            fraction = done / (epochs * steps_per_epoch)
            return Progress(
                stage="training",
                epoch=self.epoch + 1,
                epochs=epochs,
                batch=batch,
                batches=steps_per_epoch,
                percent=round(100.0 * fraction, 2),
                elapsed=round(elapsed, 1),
                eta=round(elapsed * (1 - fraction) / fraction, 1) if fraction > 0 else None,
                epoch_metrics=epoch_metrics,
            )

        def on_train_batch_end(self, batch, logs=None):
            if (batch + 1) % every == 0:
                report(self._progress(batch + 1))

        def on_epoch_end(self, epoch, logs=None):
            metrics = {"epoch": epoch + 1, **{key: round(float(value), 6) for key, value in (logs or {}).items()}}
            scoring_started = time.monotonic()
            for set_name, (set_images, set_labels) in tracked.items():
                predicted = self.model.predict(set_images[..., None], batch_size=1000, verbose=0).argmax(axis=1)
                metrics[f"{set_name}_accuracy"] = round(float((predicted == set_labels).mean()), 6)
            if tracked:
                metrics["scoring_seconds"] = round(time.monotonic() - scoring_started, 1)
            metrics["elapsed"] = round(time.monotonic() - self.started, 1)
            history.append(metrics)
            report(self._progress(steps_per_epoch, epoch_metrics=metrics))

    return ProgressCallback()
