"""The one stroke renderer: pure numpy/Pillow, no Django, no TensorFlow."""

import numpy as np
import pytest

from ml.preprocess import canvas_to_array, pixels_to_array
from ml.strokes import Jitter, Pen, jitter_strokes, page_line_width, page_path, place_strokes, render_strokes, \
    render_strokes_png, strokes_box


def test_line_width_is_the_pages():
    # canvas.js: Math.max(6, Math.round(Math.min(w, h) / 14)), and JS rounds halves up.
    assert page_line_width(280, 280) == 20
    assert page_line_width(200, 400) == 14
    assert page_line_width(21, 300) == 6
    assert page_line_width(203, 203) == 15  # 14.5 rounds up


def test_a_horizontal_stroke_is_as_thick_as_the_pen_with_round_caps():
    pixels = render_strokes([np.array([[50.0, 100.0], [150.0, 100.0]])], width=200, height=200)
    assert pixels.shape == (200, 200) and pixels.dtype == np.uint8
    assert pixels[0, 0] == 255 and pixels[100, 100] == 17  # the page's #111111 on white
    column = pixels[:, 100] < 136
    assert abs(column.sum() - page_line_width(200, 200)) <= 1
    row = pixels[100] < 136
    # Round caps reach half the pen beyond each end point.
    assert abs(np.flatnonzero(row)[0] - (50 - 7)) <= 1 and abs(np.flatnonzero(row)[-1] - (150 + 7)) <= 1


def test_a_single_point_is_a_dot():
    pixels = render_strokes([np.array([[100.0, 100.0]])], width=300, height=300, pen=Pen(line_width=30))
    ink = pixels < 136
    assert abs(ink.sum() - np.pi * 15 ** 2) < 0.1 * np.pi * 15 ** 2


def test_the_path_follows_the_pages_quadratic_midpoint_curves():
    points = np.array([[0.0, 0.0], [10.0, 0.0], [10.0, 10.0], [20.0, 10.0]])
    path = page_path(points)
    assert path[0].tolist() == [0.0, 0.0] and path[-1].tolist() == [20.0, 10.0]
    # The corner at (10, 0) is cut: the curve passes through the midpoint (10, 5), not the corner.
    assert min(np.hypot(*(path - [10.0, 5.0]).T)) < 1e-9
    assert min(np.hypot(*(path - [10.0, 0.0]).T)) > 1.0


def test_both_colour_schemes_give_the_same_digit_image():
    strokes = [np.array([[120.0, 60.0], [160.0, 90.0], [140.0, 200.0], [100.0, 240.0]]), np.array([[90.0, 150.0]])]
    dark = canvas_to_array(render_strokes_png(strokes, width=320, height=300, pen=Pen(scheme="dark-on-light")))
    light = canvas_to_array(render_strokes_png(strokes, width=320, height=300, pen=Pen(scheme="light-on-dark")))
    assert dark.shape == (28, 28) and dark.max() == pytest.approx(1.0)
    assert np.abs(dark - light).max() < 0.03


def test_the_png_is_what_the_page_sends_and_skipping_it_changes_nothing():
    strokes = [np.array([[60.0, 60.0], [200.0, 80.0], [90.0, 210.0]])]
    png = render_strokes_png(strokes, width=250, height=250)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    np.testing.assert_array_equal(canvas_to_array(png), pixels_to_array(render_strokes(strokes, width=250, height=250)))


def test_unknown_scheme_and_bad_pen_are_refused():
    with pytest.raises(ValueError):
        Pen(scheme="pink")
    with pytest.raises(ValueError):
        Pen(line_width=0)


def test_placement_keeps_the_drawing_on_the_canvas_and_moves_it_around():
    trajectory = [np.array([[0.0, 500.0], [250.0, 0.0], [400.0, 480.0]])]  # tablet units
    centres = []
    for seed in range(20):
        placed = place_strokes(trajectory, width=300, height=300, rng=np.random.default_rng(seed), margin=11)
        low, high = strokes_box(placed)
        assert (low >= 11 - 1e-9).all() and (high <= 300 - 11 + 1e-9).all()
        assert 0.35 * 300 - 1e-6 <= high[1] - low[1] <= 0.85 * 300 + 1e-6
        centres.append((low + high) / 2)
    assert np.ptp(np.array(centres), axis=0).min() > 30  # off-centre, not always in the middle


def test_jitter_distorts_a_little_and_is_reproducible():
    stroke = np.stack([np.linspace(0, 100, 30), 50 + 40 * np.sin(np.linspace(0, 6, 30))], axis=1)
    first = jitter_strokes([stroke], np.random.default_rng(3))
    again = jitter_strokes([stroke], np.random.default_rng(3))
    np.testing.assert_array_equal(first[0], again[0])
    other = jitter_strokes([stroke], np.random.default_rng(4))
    assert not np.array_equal(first[0], other[0])
    none = jitter_strokes([stroke], np.random.default_rng(3), Jitter(0, 0, 0, 0, 0, (0.01, 0.02), 0))
    np.testing.assert_allclose(none[0], stroke, atol=1e-9)
    low, high = strokes_box(first)
    assert np.all(np.abs(low - stroke.min(axis=0)) < 40) and np.all(np.abs(high - stroke.max(axis=0)) < 40)
