"""The canvas-style evaluation set: reproducible, drawn like a canvas, and recognised by the shipped model."""

import dataclasses
import io

import numpy as np
import pytest
from PIL import Image

from ml.canvas_style import (
    SCHEMES,
    canvas_style_example,
    canvas_style_set,
    canvas_style_test_set,
    canvas_style_training_set,
    render_canvas,
    skeleton_of,
)
from ml.data import load_mnist
from ml.evaluate import evaluate
from ml.predict import Predictor
from ml.preprocess import canvas_to_array, decode_canvas
from tests.canvases import MNIST_DIR
from tests.helpers import SHIPPED_MODEL_DIR

SAMPLE_SIZE = 500  # the first 500 MNIST test digits, redrawn: built in ~3 s


@pytest.fixture(scope="module")
def mnist_test():
    return load_mnist(MNIST_DIR, "test")


def test_the_set_is_reproducible_and_each_example_depends_only_on_its_index(mnist_test):
    images, labels, styles = canvas_style_set(mnist_test.images[:12], mnist_test.labels[:12], seed=3)
    again, _, _ = canvas_style_set(mnist_test.images[:12], mnist_test.labels[:12], seed=3)
    assert np.array_equal(images, again)
    first_five, _, _ = canvas_style_set(mnist_test.images[:5], mnist_test.labels[:5], seed=3)
    assert np.array_equal(images[:5], first_five)
    other_seed, _, _ = canvas_style_set(mnist_test.images[:12], mnist_test.labels[:12], seed=4)
    assert not np.array_equal(images, other_seed)
    assert np.array_equal(labels, mnist_test.labels[:12])


def test_canvases_vary_like_real_drawings_and_the_digit_stays_on_the_canvas(mnist_test):
    kept = {}
    _, _, styles = canvas_style_set(mnist_test.images[:60], mnist_test.labels[:60], keep_png=kept.__setitem__)
    assert {style.scheme for style in styles} == set(SCHEMES)
    assert {style.antialias for style in styles} == {True, False}
    assert all(200 <= style.canvas_size <= 400 for style in styles)
    relative_pens = [style.pen_width / style.digit_height for style in styles]
    assert min(relative_pens) < 0.08 and max(relative_pens) > 0.18  # hairline to marker
    for index, style in enumerate(styles):
        canvas = decode_canvas(kept[index])
        assert (canvas.width, canvas.height) == (style.canvas_size, style.canvas_size)
        assert not canvas.ink[0].any() and not canvas.ink[-1].any()  # ink never touches the edges
        assert not canvas.ink[:, 0].any() and not canvas.ink[:, -1].any()


def test_both_colour_schemes_and_transparency_give_the_network_the_same_image(mnist_test):
    points = skeleton_of(mnist_test.images[0])
    png, style = canvas_style_example(mnist_test.images[0], np.random.default_rng(1))
    arrays = [canvas_to_array(render_canvas(points, dataclasses.replace(style, scheme=scheme))) for scheme in SCHEMES]
    for array in arrays[1:]:
        assert np.abs(array - arrays[0]).max() <= 1 / 255


def test_antialiased_canvases_have_soft_edges_and_aliased_ones_do_not(mnist_test):
    points = skeleton_of(mnist_test.images[0])
    _, style = canvas_style_example(mnist_test.images[0], np.random.default_rng(1))
    for antialias, soft in ((True, True), (False, False)):
        png = render_canvas(points, dataclasses.replace(style, antialias=antialias, scheme="white-on-black"))
        values = np.unique(np.asarray(Image.open(io.BytesIO(png)).convert("L")))
        assert (len(values) > 2) == soft


def test_the_cached_set_equals_a_fresh_build(tmp_path):
    fresh_images, fresh_labels = canvas_style_test_set(MNIST_DIR, cache_dir=tmp_path, limit=20)
    cached_images, cached_labels = canvas_style_test_set(MNIST_DIR, cache_dir=tmp_path, limit=20)
    assert len(list(tmp_path.glob("*.npz"))) == 1
    assert np.array_equal(fresh_images, cached_images) and np.array_equal(fresh_labels, cached_labels)


def test_training_redraws_go_through_the_site_pipeline_in_any_number_of_processes(mnist_test, tmp_path):
    digits, labels = mnist_test.images[:6], mnist_test.labels[:6]
    redrawn, redrawn_labels = canvas_style_training_set(digits, labels, renders=2, seed=5, workers=1)
    assert redrawn.shape == (12, 28, 28) and np.array_equal(redrawn_labels, np.repeat(labels, 2))
    assert not np.array_equal(redrawn[0], redrawn[1])  # two different pens for one digit
    rng = np.random.default_rng([1, 5, 3, 1, 3])  # (recipe, seed, digit 3, its second redraw, training)
    assert np.array_equal(redrawn[7], canvas_to_array(canvas_style_example(digits[3], rng)[0]))
    in_two, _ = canvas_style_training_set(digits, labels, renders=2, seed=5, workers=2, cache_dir=tmp_path)
    assert np.array_equal(in_two, redrawn)  # the same images from two processes as from one
    cached, _ = canvas_style_training_set(digits, labels, renders=2, seed=5, cache_dir=tmp_path)
    assert np.array_equal(cached, in_two) and len(list(tmp_path.glob("*.npz"))) == 1


def test_a_digit_with_no_skeleton_is_kept_as_mnist_drew_it(mnist_test):
    faint = np.zeros((1, 28, 28), dtype=np.float32)
    redrawn, _ = canvas_style_training_set(faint, np.array([7]), renders=1, seed=0, workers=1)
    assert np.array_equal(redrawn[0], faint[0])


def test_shipped_model_recognises_canvas_style_digits(tmp_path):
    images, labels = canvas_style_test_set(MNIST_DIR, cache_dir=tmp_path, limit=SAMPLE_SIZE)
    metrics = evaluate(Predictor.load(SHIPPED_MODEL_DIR).probabilities, images, labels)
    assert metrics["accuracy"] >= 0.98, metrics["per_digit_accuracy"]
