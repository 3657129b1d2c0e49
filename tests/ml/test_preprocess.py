"""Preprocessing: MNIST normalisation of any canvas. No database, no TensorFlow."""

import base64
import io
import struct
import zlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageFile

from ml import preprocess
from ml.preprocess import (
    BlankCanvasError,
    ImageTooLargeError,
    PreprocessError,
    array_to_png,
    canvas_to_array,
    decode_canvas,
    ink_to_array,
)
from tests.canvases import data_url, png_bytes, seven_png, strokes_png


def centre_of_mass(array):
    rows, cols = np.indices(array.shape)
    return (array * rows).sum() / array.sum(), (array * cols).sum() / array.sum()


def bounding_box(array, threshold=0.1):
    rows = np.flatnonzero((array > threshold).any(axis=1))
    cols = np.flatnonzero((array > threshold).any(axis=0))
    return rows[0], rows[-1] + 1, cols[0], cols[-1] + 1


def assert_mnist_like(array):
    assert array.shape == (28, 28) and array.dtype == np.float32
    assert 0.0 <= array.min() and array.max() <= 1.0 and array.max() > 0.5
    row, col = centre_of_mass(array)
    assert abs(row - 14) <= 0.5 and abs(col - 14) <= 0.5, (row, col)
    top, bottom, left, right = bounding_box(array, threshold=0.0)
    assert max(bottom - top, right - left) <= 21  # fits the 20x20 box (+1 for antialiasing)


@pytest.mark.parametrize(
    "strokes, size",
    [
        ([[(20, 20), (60, 20), (30, 70)]], (400, 400)),  # off-centre, top-left corner
        ([[(380, 300), (390, 390)]], (400, 400)),  # off-centre, bottom-right, thin and slanted
        ([[(100, 100), (104, 100), (101, 108)]], (200, 200)),  # tiny
        ([[(10, 10), (1990, 10), (600, 1990)]], (2000, 2000)),  # huge
    ],
)
def test_digits_anywhere_land_centred_and_boxed(strokes, size):
    assert_mnist_like(canvas_to_array(strokes_png(strokes, size=size, width=max(3, size[0] // 30))))


def test_centring_uses_rows_for_rows_and_columns_for_columns():
    # A "7" has its mass high and to the right; centring must move it by its own row/column
    # offsets (the original app swapped x and y).
    array = canvas_to_array(strokes_png([[(10, 10), (150, 10), (40, 150)]], size=(300, 200), width=12))
    row, col = centre_of_mass(array)
    assert abs(row - 14) <= 0.5 and abs(col - 14) <= 0.5


def test_aspect_ratio_is_kept():
    # A vertical bar 10 times taller than wide stays tall and thin: 20 rows, about 2 columns.
    array = canvas_to_array(strokes_png([[(100, 50), (100, 250)]], size=(200, 300), width=20))
    top, bottom, left, right = bounding_box(array, threshold=0.3)
    assert 19 <= bottom - top <= 20
    assert 1 <= right - left <= 3


@pytest.mark.parametrize(
    "ink, background, mode",
    [("black", "white", "RGB"), ("white", "black", "RGB"), ((0, 0, 0, 255), (0, 0, 0, 0), "RGBA"),
     ((255, 255, 255, 255), (0, 0, 0, 0), "RGBA"), ((20, 20, 200, 255), (255, 255, 255, 255), "RGBA"), (0, 255, "L")],
)
def test_colour_schemes_give_the_same_image(ink, background, mode):
    reference = canvas_to_array(seven_png(ink="white", background="black"))
    array = canvas_to_array(seven_png(ink=ink, background=background, mode=mode))
    assert np.abs(array - reference).max() < 0.05


def test_white_ink_on_black_is_what_the_model_sees():
    array = canvas_to_array(seven_png(ink="black", background="white"))
    assert array[0, 0] == 0.0 and array.max() > 0.9


def test_data_url_and_bytes_agree():
    png = seven_png()
    assert np.array_equal(canvas_to_array(png), canvas_to_array(data_url(png)))


@pytest.mark.parametrize("mode, colour", [("RGB", "white"), ("RGBA", (0, 0, 0, 0)), ("L", 0), ("RGB", (30, 120, 200))])
def test_blank_canvas_is_an_error(mode, colour):
    with pytest.raises(BlankCanvasError, match="blank"):
        canvas_to_array(png_bytes(Image.new(mode, (200, 200), colour)))


@pytest.mark.parametrize(
    "value, message",
    [
        ("hello", "data URL"),
        ("data:image/jpeg;base64,AAAA", "data URL"),
        ("data:image/png;base64,%%%notbase64", "base64"),
        ("data:image/png;base64," + base64.b64encode(b"GIF89a....").decode(), "not a PNG"),
        ("data:image/png;base64," + base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\0" * 40).decode(), "decoded"),
        (b"\x89PNG\r\n\x1a\ntruncated", "decoded"),
        (12345, "PNG bytes"),
    ],
)
def test_bad_input_is_a_clear_error(value, message):
    with pytest.raises(PreprocessError, match=message):
        canvas_to_array(value)


def test_size_limits_are_checked_before_decoding():
    with pytest.raises(ImageTooLargeError, match="2001x10"):
        decode_canvas(png_bytes(Image.new("L", (2001, 10))))
    with pytest.raises(ImageTooLargeError, match="bytes"):
        decode_canvas(seven_png(), max_bytes=100)


def test_decompression_bomb_is_refused_without_decoding():
    # 30000x30000 of zeros compresses to a few hundred KB but would need 900 MB decoded.
    header_only = png_bytes(Image.new("1", (30000, 30000)))
    with pytest.raises(ImageTooLargeError):
        decode_canvas(header_only, max_bytes=10_000_000)


BROWSER = dict(ink=(17, 17, 17, 255), background=(255, 255, 255, 255), mode="RGBA")  # static/js/canvas.js


def antialiased(png: bytes) -> bytes:
    image = Image.open(io.BytesIO(png))
    return png_bytes(image.resize((image.width // 2, image.height // 2), Image.Resampling.LANCZOS))


@pytest.mark.parametrize(
    "png",
    [
        seven_png(),
        seven_png(ink=(20, 20, 200), background=(250, 240, 200)),
        antialiased(seven_png(**BROWSER)),
        seven_png(ink=(0, 0, 0, 255), background=(0, 0, 0, 0), mode="RGBA"),
        seven_png(ink=(0, 0, 0, 120), background=(255, 255, 255, 200), mode="RGBA"),
        antialiased(seven_png(ink=60, background=230, mode="L")),
    ],
    ids=["rgb", "rgb-colours", "browser-rgba-antialiased", "transparent", "half-transparent", "grey-antialiased"],
)
def test_fast_decoder_gives_pillows_pixels(png, monkeypatch):
    # 8-bit grey/RGB/RGBA canvases are decoded by kornia-rs, not Pillow; the model was trained
    # on Pillow's pixels, so they must be the same to the bit.
    expected = np.asarray(Image.open(io.BytesIO(png)))
    expected_ink = decode_canvas(png).ink
    monkeypatch.setattr(ImageFile.ImageFile, "load", lambda self: pytest.fail("Pillow decoded the pixels"))
    with Image.open(io.BytesIO(png)) as image:
        pixels = preprocess._decode_pixels(png, image)
    assert pixels.dtype == np.uint8 and np.array_equal(pixels, expected)
    assert np.array_equal(decode_canvas(png).ink, expected_ink)


def test_browser_canvas_is_the_same_image_as_its_rgb_twin():
    # Opaque RGBA (what the browser sends) skips the opacity scaling; the result is unchanged.
    rgb = seven_png(ink=(17, 17, 17), background="white")
    assert np.array_equal(canvas_to_array(seven_png(**BROWSER)), canvas_to_array(rgb))


def seven_as(mode):
    return Image.open(io.BytesIO(seven_png())).convert(mode)


def with_transparency(mode, colour):
    image = seven_as(mode)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", transparency=colour)
    return buffer.getvalue()


@pytest.mark.parametrize(
    "png",
    [
        png_bytes(seven_as("P")),
        png_bytes(seven_as("LA")),
        png_bytes(seven_as("1")),
        png_bytes(Image.fromarray(np.asarray(seven_as("L")).astype(np.uint16) * 257)),  # 16-bit grey
        with_transparency("RGB", (255, 255, 255)),
        with_transparency("L", 255),
    ],
    ids=["palette", "grey-alpha", "1-bit", "16-bit", "rgb-trns", "grey-trns"],
)
def test_kinds_left_to_pillow_give_the_same_image(png):
    assert np.abs(canvas_to_array(png) - canvas_to_array(seven_png())).max() < 0.05


def replace_idat(png: bytes, scanlines: bytes) -> bytes:
    start = png.index(b"IDAT") - 4

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return png[:start] + chunk(b"IDAT", zlib.compress(scanlines)) + chunk(b"IEND", b"")


@pytest.mark.parametrize("mode", ["RGB", "RGBA", "L"])
def test_broken_pixel_data_is_still_a_clear_error(mode):
    png = seven_png(mode=mode, ink=(0, 0, 0, 255) if mode == "RGBA" else 0, background=(255,) * len(mode))
    idat = png.index(b"IDAT")
    scanlines = bytearray(zlib.decompress(png[idat + 4 : idat + 4 + int.from_bytes(png[idat - 4 : idat], "big")]))
    scanlines[0] = 7  # no such PNG filter
    with pytest.raises(PreprocessError, match="decoded"):
        canvas_to_array(replace_idat(png, bytes(scanlines)))
    with pytest.raises(PreprocessError, match="truncated"):
        canvas_to_array(png[: idat + 200])


@settings(max_examples=150, deadline=None)
@given(
    width=st.integers(1, 300),
    height=st.integers(1, 300),
    mode=st.sampled_from(["L", "RGB", "RGBA", "LA", "P", "1", "I;16"]),
    seed=st.integers(0, 2**32 - 1),
    density=st.floats(0, 1),
)
def test_any_image_gives_an_array_or_a_clear_error(width, height, mode, seed, density):
    rng = np.random.default_rng(seed)
    noise = (rng.random((height, width)) < density).astype(np.uint8) * rng.integers(0, 256, (height, width), dtype=np.uint8)
    image = Image.fromarray(noise, "L").convert(mode)
    try:
        array = canvas_to_array(png_bytes(image))
    except PreprocessError:
        return
    assert array.shape == (28, 28) and array.dtype == np.float32
    assert np.isfinite(array).all() and array.min() >= 0 and array.max() <= 1


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_never_crash(blob):
    for value in (blob, b"\x89PNG\r\n\x1a\n" + blob, data_url(blob)):
        try:
            canvas_to_array(value)
        except PreprocessError:
            pass


def test_ink_to_array_matches_mnist_training_images():
    # Feeding an MNIST digit's own pixels back through the normalisation barely changes it:
    # training (MNIST as stored) and serving (canvas -> ink_to_array) see the same kind of image.
    from ml.data import load_mnist
    from tests.canvases import MNIST_DIR

    test = load_mnist(MNIST_DIR, "test")
    differences = [
        np.abs(ink_to_array((image * 255).astype(np.uint8)) - image).mean() for image in test.images[:200]
    ]
    assert np.median(differences) < 0.05


def test_array_to_png_is_a_png_of_the_rounded_pixels():
    array = np.random.default_rng(0).random((28, 28), dtype=np.float32)
    array[0, :3] = (0.0, 1.0, 0.5)
    with Image.open(io.BytesIO(array_to_png(array))) as image:
        image.load()
        assert (image.format, image.mode, image.size) == ("PNG", "L", (28, 28))
        assert (np.asarray(image) == np.round(array * 255).astype(np.uint8)).all()
