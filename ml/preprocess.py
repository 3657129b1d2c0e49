"""Canvas PNG -> the 28x28 float32 image the network sees, normalised the way MNIST was.

MNIST's recipe (and the original Flask app's): crop to the ink, scale the digit to fit a 20x20
box keeping its aspect ratio (antialiased), paste it into 28x28 so that its centre of mass sits
at the centre, scale to [0, 1]. Training, evaluation, the CLI and the web all call
`canvas_to_array` (or `ink_to_array` on already-decoded ink), so there is exactly one copy.
"""

from __future__ import annotations

import base64
import binascii
import io
import re
from dataclasses import dataclass

import numpy as np
from PIL import Image

# Bumped whenever the output of `ink_to_array` changes for the same input; stored with every
# model so a model is never served with preprocessing it was not trained for.
PREPROCESS_VERSION = 1

DEFAULT_MAX_BYTES = 1_000_000
DEFAULT_MAX_SIDE = 2000

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
DATA_URL_PREFIX = re.compile(r"^data:image/png;base64,", re.IGNORECASE)
# Pixels whose ink is below this (of 255) count as background when cropping: it drops the
# faint antialiasing halo and compression noise without losing real strokes.
INK_THRESHOLD = 30
BOX = 20
SIZE = 28


class PreprocessError(ValueError):
    """The input cannot be turned into a digit image; the message says why, for the user."""


class BlankCanvasError(PreprocessError):
    """Decodable, but there is no ink to recognise."""


class ImageTooLargeError(PreprocessError):
    """Over the byte or pixel-dimension limit (checked before any pixel is decoded)."""


@dataclass(frozen=True)
class DecodedCanvas:
    png: bytes  # the PNG exactly as received
    ink: np.ndarray  # uint8 (height, width): 0 = background, 255 = full ink
    width: int
    height: int


def png_bytes_from(data: bytes | str) -> bytes:
    """Accept raw PNG bytes or a `data:image/png;base64,...` URL; return the PNG bytes."""
    if isinstance(data, str):
        match = DATA_URL_PREFIX.match(data)
        if not match:
            raise PreprocessError("image must be a data URL starting with 'data:image/png;base64,'")
        try:
            data = base64.b64decode(data[match.end() :], validate=True)
        except (binascii.Error, ValueError):
            raise PreprocessError("image data URL is not valid base64") from None
    if not isinstance(data, (bytes, bytearray)):
        raise PreprocessError("image must be PNG bytes or a PNG data URL")
    if not data.startswith(PNG_SIGNATURE):
        raise PreprocessError("image is not a PNG")
    return bytes(data)


def decode_canvas(
    data: bytes | str, *, max_bytes: int = DEFAULT_MAX_BYTES, max_side: int = DEFAULT_MAX_SIDE
) -> DecodedCanvas:
    """Validate and decode a canvas PNG into an ink map, whatever its colours.

    Transparent canvases (strokes on a transparent background, as an unfilled HTML canvas
    exports) take their ink from alpha. Opaque ones take it from the distance to the background
    grey (the most common value), so white-on-black and black-on-white give the same ink.
    """
    png = png_bytes_from(data)
    if len(png) > max_bytes:
        raise ImageTooLargeError(f"image is {len(png)} bytes; the limit is {max_bytes}")
    try:
        with Image.open(io.BytesIO(png), formats=["PNG"]) as image:
            width, height = image.size
            # The header is read; check the size before decoding any pixels (decompression bombs).
            if width > max_side or height > max_side:
                raise ImageTooLargeError(f"image is {width}x{height} pixels; the limit is {max_side}x{max_side}")
            if width < 1 or height < 1:
                raise PreprocessError("image has no pixels")
            image.load()
            ink = _ink_from_image(image)
    except PreprocessError:
        raise
    except Image.DecompressionBombError:
        raise ImageTooLargeError(f"image is over {max_side}x{max_side} pixels") from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise PreprocessError(f"image could not be decoded as PNG: {exc}") from None
    return DecodedCanvas(png=png, ink=ink, width=width, height=height)


def _ink_from_image(image: Image.Image) -> np.ndarray:
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = np.asarray(image.convert("RGBA"))
        alpha = rgba[..., 3]
        if _mode(alpha) == 0:
            # Transparent background (an unfilled HTML canvas): ink is opacity, whatever the
            # stroke colour, so black strokes on transparent black are not lost.
            return _stretch(alpha.copy())
        gray = np.asarray(Image.fromarray(rgba[..., :3]).convert("L"))
        # Composite over the page's own background colour: contrast scaled by opacity.
        contrast = np.abs(gray.astype(np.int16) - _mode(gray)).astype(np.uint16) * alpha // 255
        return _stretch(contrast.astype(np.uint8))
    gray = np.asarray(image if image.mode == "L" else image.convert("L"))
    return _stretch(np.abs(gray.astype(np.int16) - _mode(gray)).astype(np.uint8))


def _mode(channel: np.ndarray) -> int:
    """The most common value: the background of a canvas, whichever colour scheme it uses.
    Every other pixel of every other row is plenty to find it, at a quarter of the cost."""
    return int(np.bincount(channel[::2, ::2].ravel(), minlength=256).argmax())


def _stretch(ink: np.ndarray) -> np.ndarray:
    """A pen of any colour is full ink: map the strongest contrast to 255 (a lookup table)."""
    strongest = int(ink.max())
    if strongest <= INK_THRESHOLD or strongest == 255:
        return ink
    table = np.minimum(np.arange(256) * 255 // strongest, 255).astype(np.uint8)
    return table[ink]


def ink_to_array(ink: np.ndarray) -> np.ndarray:
    """MNIST normalisation of an ink map (any size, 0 = background) -> float32 (28, 28) in [0, 1]."""
    mask = ink > INK_THRESHOLD
    rows = np.flatnonzero(mask.any(axis=1))
    if rows.size == 0:
        raise BlankCanvasError("the canvas is blank: draw a digit first")
    cols = np.flatnonzero(mask.any(axis=0))
    top, bottom, left, right = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
    crop = ink[top:bottom, left:right]
    height, width = crop.shape

    scale = BOX / max(height, width)
    new_w, new_h = max(1, round(width * scale)), max(1, round(height * scale))
    # Pillow's downscaling filters are antialiased; BOX averages, like MNIST's own resampling.
    resample = Image.Resampling.BOX if scale < 1 else Image.Resampling.BILINEAR
    digit = np.asarray(
        Image.fromarray(np.ascontiguousarray(crop)).resize((new_w, new_h), resample), dtype=np.float32
    )

    total = digit.sum()
    if total <= 0:
        raise BlankCanvasError("the canvas is blank: draw a digit first")
    # MNIST put the centre of mass, in pixel-index coordinates, at (14, 14): its test digits
    # average (13.99, 14.00). Integer placement, as MNIST's own centring was.
    centre_row = (digit.sum(axis=1) @ np.arange(new_h)) / total
    centre_col = (digit.sum(axis=0) @ np.arange(new_w)) / total
    paste_row = int(np.clip(round(SIZE / 2 - centre_row), 0, SIZE - new_h))
    paste_col = int(np.clip(round(SIZE / 2 - centre_col), 0, SIZE - new_w))

    out = np.zeros((SIZE, SIZE), dtype=np.float32)
    out[paste_row : paste_row + new_h, paste_col : paste_col + new_w] = digit
    return out / 255.0


def canvas_to_array(data: bytes | str, **limits) -> np.ndarray:
    """PNG bytes or PNG data URL of any canvas -> float32 (28, 28) in [0, 1], white ink on black."""
    return ink_to_array(decode_canvas(data, **limits).ink)


def array_to_png(array: np.ndarray) -> bytes:
    """A (28, 28) array in [0, 1] as a grayscale PNG, for previews of what the model saw."""
    pixels = np.clip(np.asarray(array, dtype=np.float32) * 255.0 + 0.5, 0, 255).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels, mode="L").save(buffer, format="PNG")
    return buffer.getvalue()
