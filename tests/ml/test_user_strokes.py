"""Users' stored strokes as the stroke renderer's input and as Quick, Draw! simplified strokes.
No database, no TensorFlow."""

import io

import numpy as np
from PIL import Image

from ml.preprocess import canvas_to_array
from ml.strokes import render_strokes, render_strokes_png
from ml.user_strokes import quickdraw_simplified, user_strokes_to_arrays
from tests.canvases import FOUR_IN_TWO_STROKES, pen_strokes, strokes_png


def test_stored_strokes_are_the_renderers_input_and_redraw_the_same_digit():
    stored = pen_strokes(FOUR_IN_TWO_STROKES)
    strokes, width, height = user_strokes_to_arrays(stored)
    assert (width, height) == (280, 280) and [s.shape[1] for s in strokes] == [2, 2]
    assert strokes[0][0].tolist() == [90.0, 40.0] and strokes[1][-1].tolist() == [170.0, 250.0]
    redrawn = render_strokes(strokes, width=width, height=height) < 128
    # The page's pen on a 280 px canvas is 20 px wide, as the test canvas's: the same ink.
    original = np.asarray(Image.open(io.BytesIO(strokes_png(FOUR_IN_TWO_STROKES))).convert("L")) < 128
    assert (redrawn & original).sum() / (redrawn | original).sum() > 0.9
    assert canvas_to_array(render_strokes_png(strokes, width=width, height=height)).max() > 0.9


def test_quickdraw_simplified_shape():
    stored = pen_strokes(FOUR_IN_TWO_STROKES, size=(400, 400))
    drawing = quickdraw_simplified(stored)
    assert len(drawing) == 2
    for stroke, original in zip(drawing, stored["strokes"]):
        xs, ys, ts = stroke
        assert len(xs) == len(ys) == len(ts) >= 2
        assert all(isinstance(v, int) for v in xs + ys + ts)
        assert ts == sorted(ts) and ts[0] == original["t"][0] and ts[-1] == original["t"][-1]
    every_x = [x for s in drawing for x in s[0]]
    every_y = [y for s in drawing for y in s[1]]
    assert min(every_x) == 0 and min(every_y) == 0 and max(max(every_x), max(every_y)) == 255
    # Straight segments sampled every 8 px come down to their corners: the first stroke's three.
    assert len(drawing[0][0]) == 3 and len(drawing[1][0]) == 2
    assert sum(len(s["x"]) for s in stored["strokes"]) > 50


def test_quickdraw_simplified_keeps_a_dot():
    stored = {"canvas_width": 100, "canvas_height": 100,
              "strokes": [{"pointer_type": "touch", "x": [10.0], "y": [20.0], "t": [0.0], "pressure": [0.5]},
                          {"pointer_type": "touch", "x": [10.0, 60.0], "y": [20.0, 20.0], "t": [300.0, 340.0],
                           "pressure": [0.5, 0.5]}]}
    assert quickdraw_simplified(stored) == [[[0], [0], [0]], [[0, 255], [0, 0], [300, 340]]]
