"""Canvas PNGs for tests, made the way a browser canvas would send them."""

import base64
import io

import numpy as np
from PIL import Image, ImageDraw

from ml.data_dirs import mnist_dir, pendigits_dir

# The data sets the tests read, where the site reads them (MNIST_DIR, PENDIGITS_DIR, else ../shared/data).
MNIST_DIR = mnist_dir()
PENDIGITS_DIR = pendigits_dir()


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


# Digits as polylines on a 280x280 canvas, anchored at (x0, y0).
DIGIT_STROKES = {
    1: lambda x0, y0: [[(x0 + 70, y0), (x0 + 70, y0 + 200)]],
    2: lambda x0, y0: [[(x0, y0 + 40), (x0 + 60, y0), (x0 + 130, y0 + 40), (x0 + 20, y0 + 200), (x0 + 150, y0 + 200)]],
    4: lambda x0, y0: [[(x0 + 110, y0 + 200), (x0 + 110, y0), (x0, y0 + 130), (x0 + 150, y0 + 130)]],
    7: lambda x0, y0: [[(x0, y0), (x0 + 160, y0), (x0 + 60, y0 + 200)]],
}


def steeply_slanted_png(digit: int, rng: np.random.Generator) -> bytes:
    """A style MNIST handles badly: a digit drawn rotated by 45-60 degrees either way."""
    image = Image.new("L", (280, 280), 255)
    draw = ImageDraw.Draw(image)
    for points in DIGIT_STROKES[digit](rng.uniform(50, 80), rng.uniform(40, 60)):
        jittered = [(x + rng.normal(0, 6), y + rng.normal(0, 6)) for x, y in points]
        draw.line(jittered, fill=0, width=int(rng.uniform(16, 24)), joint="curve")
    image = image.rotate(rng.choice([-1, 1]) * rng.uniform(45, 60), fillcolor=255)
    return png_bytes(image)


def pen_strokes(polylines, *, size=(280, 280), pointer_type="mouse", step=8.0) -> dict:
    """The strokes the page would send for these polylines: sampled about every `step` px, one
    point every 8 ms, the next stroke 200 ms after the last, pressure 0.5 (a mouse's)."""
    strokes, t = [], 0.0
    for points in polylines:
        xs, ys, ts = [float(points[0][0])], [float(points[0][1])], [t]
        for (x0, y0), (x1, y1) in zip(points, points[1:]):
            n = max(1, round(np.hypot(x1 - x0, y1 - y0) / step))
            for i in range(1, n + 1):
                t += 8.0
                xs.append(x0 + (x1 - x0) * i / n)
                ys.append(y0 + (y1 - y0) * i / n)
                ts.append(t)
        strokes.append({"pointer_type": pointer_type, "x": xs, "y": ys, "t": ts, "pressure": [0.5] * len(xs)})
        t += 200.0
    return {"canvas_width": size[0], "canvas_height": size[1], "strokes": strokes}


# A 4 drawn in two strokes, as people do: the first alone is an open angle (read as a 6 or so).
FOUR_IN_TWO_STROKES = [[(90, 40), (60, 170), (210, 170)], [(170, 70), (170, 250)]]
