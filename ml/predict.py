"""Fast inference: one LiteRT interpreter per artifact, loaded once, ~0.5 ms per image.

Web processes use this and never import TensorFlow (4-5 s and ~500 MB just to import).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ml.artifact import SERVING_FILE, ArtifactError, verify_artifact
from ml.calibration import DEFAULT_SERVING, NOT_A_DIGIT, calibrated, digits_only, verdicts_of
from ml.preprocess import PREPROCESS_VERSION


@dataclass(frozen=True)
class DigitPrediction:
    digit: int
    probabilities: tuple[float, ...]  # all ten digits', calibrated, summing to 1
    verdict: str = "digit"  # "digit", "unsure" or "not_a_digit" (ml.calibration)
    not_a_digit: float = 0.0  # calibrated probability that the drawing is no digit at all

    @property
    def confidence(self) -> float:
        return self.probabilities[self.digit]


class Predictor:
    """Answers preprocessed 28x28 images; safe to share between threads."""

    def __init__(self, *, model_content: bytes, metadata: dict | None = None):
        from ai_edge_litert.interpreter import Interpreter

        self.metadata = metadata or {}
        try:
            # One thread: a 28x28 CNN is too small to gain from more, and web workers share cores.
            self._interpreter = Interpreter(model_content=model_content, num_threads=1)
            self._interpreter.allocate_tensors()
        except (ValueError, RuntimeError) as exc:
            raise ArtifactError(f"the serving model cannot be loaded: {exc}") from None
        self._input = self._interpreter.get_input_details()[0]["index"]
        output = self._interpreter.get_output_details()[0]
        self._output = output["index"]
        self.classes = int(output["shape"][-1])  # 10 digits, or 10 + "not a digit"
        # Calibration and verdict thresholds: data stored with the model (metadata "serving").
        self.serving = {**DEFAULT_SERVING, **self.metadata.get("serving", {})}
        self._lock = threading.Lock()

    @classmethod
    def load(cls, artifact_dir: Path | str, *, expected_sha256: str | None = None) -> "Predictor":
        """Load an artifact after checking its sha256 and that its preprocessing matches ours."""
        artifact_dir = Path(artifact_dir)
        metadata = verify_artifact(artifact_dir, expected_sha256)
        if metadata.get("preprocess_version") != PREPROCESS_VERSION:
            raise ArtifactError(
                f"{artifact_dir} was trained with preprocessing v{metadata.get('preprocess_version')}, "
                f"this code has v{PREPROCESS_VERSION}"
            )
        return cls(model_content=(artifact_dir / SERVING_FILE).read_bytes(), metadata=metadata)

    def raw_probabilities(self, images: np.ndarray) -> np.ndarray:
        """(N, 28, 28) float32 in [0, 1] -> (N, classes): the network's softmax, uncalibrated."""
        images = np.asarray(images, dtype=np.float32).reshape(-1, 1, 28, 28, 1)
        out = np.empty((len(images), self.classes), dtype=np.float32)
        with self._lock:
            for i, image in enumerate(images):
                self._interpreter.set_tensor(self._input, image)
                self._interpreter.invoke()
                out[i] = self._interpreter.get_tensor(self._output)[0]
        return out

    def calibrated_probabilities(self, images: np.ndarray) -> np.ndarray:
        """(N, classes) at the model's fitted temperature (float64)."""
        raw = self.raw_probabilities(images)
        temperature = float(self.serving["temperature"])
        return raw.astype(np.float64) if temperature == 1.0 else calibrated(raw, temperature)

    def probabilities(self, images: np.ndarray) -> np.ndarray:
        """(N, 28, 28) -> (N, 10): the ten digits' calibrated probabilities, summing to 1 (given
        that it is a digit); their argmax is the model's digit."""
        return digits_only(self.calibrated_probabilities(images)).astype(np.float32)

    def predict(self, image: np.ndarray) -> DigitPrediction:
        """One preprocessed (28, 28) image -> the digit, all ten probabilities and the verdict."""
        full = self.calibrated_probabilities(image)
        digits = digits_only(full)[0]
        return DigitPrediction(
            digit=int(digits.argmax()),
            probabilities=tuple(digits.tolist()),
            verdict=str(verdicts_of(full, self.serving)[0]),
            not_a_digit=float(full[0, NOT_A_DIGIT]) if self.classes > NOT_A_DIGIT else 0.0,
        )
