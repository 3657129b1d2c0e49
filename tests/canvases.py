"""Canvas PNGs for tests, made the way a browser canvas would send them."""

import base64
import io
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

MNIST_DIR = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "mnist"


def png_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def data_url(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode()


def strokes_png(strokes, *, size=(280, 280), width=20, ink="black", background="white", mode="RGB") -> bytes:
    """Round-capped polyline strokes (lists of (x, y) points) on a canvas of `size`."""
    image = Image.new(mode, size, background)
    draw = ImageDraw.Draw(image)
    for points in strokes:
        draw.line(points, fill=ink, width=width, joint="curve")
        for x, y in (points[0], points[-1]):
            draw.ellipse((x - width / 2, y - width / 2, x + width / 2, y + width / 2), fill=ink)
    return png_bytes(image)


def mnist_digit_png(image28: np.ndarray, *, scale=10, black_on_white=True) -> bytes:
    """An MNIST digit blown up onto a canvas (nearest-neighbour, hard edges like a canvas pen)."""
    pixels = (np.asarray(image28) * 255).astype(np.uint8)
    big = Image.fromarray(pixels, "L").resize((28 * scale, 28 * scale), Image.Resampling.NEAREST)
    if black_on_white:
        big = Image.fromarray(255 - np.asarray(big))
    return png_bytes(big.convert("RGB"))


def seven_png(**kwargs) -> bytes:
    return strokes_png([[(60, 60), (220, 60), (120, 240)]], **kwargs)


def one_png(**kwargs) -> bytes:
    return strokes_png([[(140, 40), (140, 240)]], **kwargs)
