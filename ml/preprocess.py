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
import struct
import zlib
from dataclasses import dataclass

import numpy as np
from kornia_rs.io import decode_image_png_u8
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
            ink = _ink_from_pixels(_decode_pixels(png, image))
    except PreprocessError:
        raise
    except Image.DecompressionBombError:
        raise ImageTooLargeError(f"image is over {max_side}x{max_side} pixels") from None
    except (OSError, SyntaxError, ValueError) as exc:
        # Pillow's messages can name the buffer object ("<_io.BytesIO object at 0x7f...>"): no
        # process memory addresses in an answer to the client.
        reason = _OBJECT_REPR.sub("the image", str(exc))
        raise PreprocessError(f"image could not be decoded as PNG: {reason}") from None
    return DecodedCanvas(png=png, ink=ink, width=width, height=height)


_OBJECT_REPR = re.compile(r"<[\w.]+ object at 0x[0-9a-fA-F]+>")


# PNG colour type -> the fast decoder's mode, for the 8-bit kinds whose pixels are used as they
# are: grey, RGB and RGBA, which is what canvases export.
_FAST_MODES = {0: "mono", 2: "rgb", 6: "rgba"}


def _decode_pixels(png: bytes, image: Image.Image) -> np.ndarray:
    """The pixels as uint8 (H, W) grey, (H, W, 3) RGB or (H, W, 4) RGBA, as Pillow decodes them.

    Pillow inflates with the system zlib, which takes ~0.5 ms for a 280x280 canvas (1.4 ms as
    RGBA): most of the preprocessing time. kornia-rs (the Rust `png` crate) decodes the same
    canvas in ~0.05 ms with identical pixels, so the common 8-bit kinds go through it. Palettes,
    1/2/4/16-bit, tRNS transparency and interlacing (rare from a canvas) stay with Pillow, whose
    conversions define the result, and so does anything kornia-rs rejects: Pillow then decides
    whether the PNG is broken and words the error.
    """
    # The IHDR that Pillow has just parsed: bit depth, colour type, compression, filter, interlace.
    header = png[24:29] if png[12:16] == b"IHDR" else b""
    if len(header) == 5 and header[0] == 8 and header[1] in _FAST_MODES and header[4] == 0 \
            and "transparency" not in image.info:
        shape = (image.height, image.width)
        try:
            pixels = decode_image_png_u8(png, shape, _FAST_MODES[header[1]])
        except Exception:  # kornia-rs raises plain Exception; see the docstring
            pass
        else:
            return pixels.reshape(shape) if header[1] == 0 else pixels
    image.load()
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        return np.asarray(image.convert("RGBA"))
    return np.asarray(image if image.mode == "L" else image.convert("L"))


def _ink_from_pixels(pixels: np.ndarray) -> np.ndarray:
    """Decoded pixels -> ink map (uint8, 0 = background, 255 = full ink)."""
    if pixels.ndim == 3 and pixels.shape[2] == 4:
        alpha = pixels[..., 3]
        if _mode(alpha) == 0:
            # Transparent background (an unfilled HTML canvas): ink is opacity, whatever the
            # stroke colour, so black strokes on transparent black are not lost.
            return _stretch(np.ascontiguousarray(alpha))
        # Composite over the page's own background colour: contrast scaled by opacity. Pillow's
        # RGBA -> L ignores alpha, like RGB -> L.
        contrast = _contrast(_gray(pixels))
        if alpha.min() < 255:  # a fully opaque canvas (the browser's) needs no scaling
            contrast = (contrast.astype(np.uint16) * alpha // 255).astype(np.uint8)
        return _stretch(contrast)
    return _stretch(_contrast(_gray(pixels)))


def _gray(pixels: np.ndarray) -> np.ndarray:
    """Pillow's own RGB(A) -> L (ITU-R 601-2 luma, its rounding), as the model was trained with."""
    return pixels if pixels.ndim == 2 else np.asarray(Image.fromarray(pixels).convert("L"))


def _contrast(gray: np.ndarray) -> np.ndarray:
    """Distance of each pixel to the background grey, so any colour scheme gives the same ink."""
    background = _mode(gray)
    if background == 255:  # black-on-white, the usual canvas: one pass instead of four
        return 255 - gray
    return np.abs(gray.astype(np.int16) - background).astype(np.uint8)


def _mode(channel: np.ndarray) -> int:
    """The most common value: the background of a canvas, whichever colour scheme it uses.
    Every other pixel of every other row is plenty to find it, at a quarter of the cost."""
    sample = channel[::2, ::2]
    # A value held by over half the sample is the mode. The corner is nearly always background
    # and the background nearly always the majority: one comparison pass then does instead of
    # a bincount, which casts every pixel to int64 first.
    corner = sample[0, 0]
    if 2 * np.count_nonzero(sample == corner) > sample.size:
        return int(corner)
    return int(np.bincount(sample.ravel(), minlength=256).argmax())


def _stretch(ink: np.ndarray) -> np.ndarray:
    """A pen of any colour is full ink: map the strongest contrast to 255.
    (ink * 255 // strongest in uint16, never over 255: 4x cheaper than a lookup-table gather.)"""
    strongest = int(ink.max())
    if strongest <= INK_THRESHOLD or strongest == 255:
        return ink
    return (ink.astype(np.uint16) * 255 // strongest).astype(np.uint8)


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


def pixels_to_array(pixels: np.ndarray) -> np.ndarray:
    """Already-decoded canvas pixels (uint8 grey, RGB or RGBA, as `decode_canvas` decodes a PNG)
    -> the same 28x28 as `canvas_to_array` of their PNG: PNG is lossless, so rendering code
    (ml/strokes.py) can skip the encode/decode round trip and still take exactly this path."""
    return ink_to_array(_ink_from_pixels(np.ascontiguousarray(pixels, dtype=np.uint8)))


def canvas_to_array(data: bytes | str, **limits) -> np.ndarray:
    """PNG bytes or PNG data URL of any canvas -> float32 (28, 28) in [0, 1], white ink on black."""
    return ink_to_array(decode_canvas(data, **limits).ink)


def array_to_png(array: np.ndarray) -> bytes:
    """A (H, W) array in [0, 1] as an 8-bit grayscale PNG, for previews of what the model saw.

    Written out directly (signature, IHDR, one zlib IDAT, IEND): every API answer carries one,
    and this is ~3x faster than going through Pillow, for the same pixels.
    """
    pixels = np.clip(np.asarray(array, dtype=np.float32) * 255.0 + 0.5, 0, 255).astype(np.uint8)
    height, width = pixels.shape
    scanlines = np.zeros((height, width + 1), dtype=np.uint8)  # each row: filter type 0, then pixels
    scanlines[:, 1:] = pixels
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit grey, no interlace
    return PNG_SIGNATURE + _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", zlib.compress(scanlines.tobytes())) \
        + _png_chunk(b"IEND", b"")


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
