"""The shipped model through the serving path (LiteRT), and artifact integrity checks."""

import json
import shutil

import numpy as np
import pytest

from ml.artifact import ArtifactError, verify_artifact
from ml.data import load_mnist
from ml.evaluate import evaluate
from ml.predict import Predictor
from ml.preprocess import canvas_to_array
from tests.canvases import MNIST_DIR, seven_png
from tests.helpers import SHIPPED_MODEL_DIR as SHIPPED


@pytest.fixture(scope="module")
def predictor():
    return Predictor.load(SHIPPED)


@pytest.fixture(scope="module")
def mnist_test():
    return load_mnist(MNIST_DIR, "test")


def test_shipped_model_is_accurate_on_mnist_test(predictor, mnist_test):
    metrics = evaluate(predictor.probabilities, mnist_test.images, mnist_test.labels)
    assert metrics["accuracy"] >= 0.994
    assert sum(map(sum, metrics["confusion_matrix"])) == 10_000
    # The model card's number is the one this code measures.
    assert metrics["accuracy"] == pytest.approx(predictor.metadata["metrics"]["mnist_test"]["accuracy"], abs=1e-9)


def test_prediction_has_ten_probabilities(predictor):
    prediction = predictor.predict(canvas_to_array(seven_png()))
    assert prediction.digit == 7
    assert len(prediction.probabilities) == 10 and sum(prediction.probabilities) == pytest.approx(1, abs=1e-4)
    assert prediction.confidence == max(prediction.probabilities)


@pytest.mark.slow  # loading TensorFlow and Keras-scoring 10,000 images: most of the quick loop's time
def test_serving_model_matches_keras_on_the_whole_test_set(predictor, mnist_test):
    keras = pytest.importorskip("keras")
    model = keras.saving.load_model(SHIPPED / "model.keras")
    expected = model.predict(mnist_test.images[..., None], batch_size=1000, verbose=0)
    served = predictor.raw_probabilities(mnist_test.images)  # before the temperature: the network itself
    assert np.abs(served - expected).max() <= 1e-4
    assert np.array_equal(served.argmax(axis=1), expected.argmax(axis=1))
    # The ten calibrated digit probabilities keep the network's choice of digit.
    assert np.array_equal(predictor.probabilities(mnist_test.images).argmax(axis=1), expected[:, :10].argmax(axis=1))


def copy_of_shipped(tmp_path):
    target = tmp_path / "model"
    shutil.copytree(SHIPPED, target)
    return target


def test_corrupt_serving_file_is_refused(tmp_path):
    artifact = copy_of_shipped(tmp_path)
    data = bytearray((artifact / "model.tflite").read_bytes())
    data[len(data) // 2] ^= 0xFF
    (artifact / "model.tflite").write_bytes(bytes(data))
    with pytest.raises(ArtifactError, match="sha256"):
        Predictor.load(artifact)


def test_unexpected_sha256_is_refused(tmp_path):
    with pytest.raises(ArtifactError, match="sha256"):
        verify_artifact(copy_of_shipped(tmp_path), expected_sha256="0" * 64)


@pytest.mark.parametrize("content", ["[]", "null", "7", '"metadata"'])
def test_metadata_that_is_not_a_json_object_is_refused(tmp_path, content):
    artifact = copy_of_shipped(tmp_path)
    (artifact / "metadata.json").write_text(content)
    with pytest.raises(ArtifactError, match="not a JSON object"):
        verify_artifact(artifact)


def test_missing_artifact_is_refused(tmp_path):
    with pytest.raises(ArtifactError, match="missing"):
        Predictor.load(tmp_path / "nothing-here")


def test_other_preprocessing_version_is_refused(tmp_path):
    artifact = copy_of_shipped(tmp_path)
    metadata = json.loads((artifact / "metadata.json").read_text())
    metadata["preprocess_version"] = 999
    (artifact / "metadata.json").write_text(json.dumps(metadata))
    with pytest.raises(ArtifactError, match="preprocessing"):
        Predictor.load(artifact)
