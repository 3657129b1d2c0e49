"""Strokes -> the canvas PNG the drawing page would send. One renderer for every kind of strokes:
real writers' trajectories (ml/pen_trajectories.py), generated non-digits (ml/non_digits.py) and users'
stored strokes alike.

A stroke is an (N, 2) array of x, y in canvas pixels (y grows downwards), as the page records
pointer positions. The page (static/js/canvas.js) paints them with a round pen (round caps and
joins) of width max(6, round(min(width, height) / 14)) CSS px, smoothing each stroke through the
midpoints of its points with quadratic curves, a single point as a dot, dark ink #111111 on white
paper; it exports the canvas at its CSS size as an opaque PNG. `render_strokes_png` does the same
with Pillow (antialiased by drawing at 3x and averaging down, like a browser), and the light-on-
dark scheme too, so the site's own preprocessing (ml.preprocess.canvas_to_array) turns the result
into the 28x28 image exactly as it does for a browser's canvas.

`place_strokes` puts a trajectory from any coordinate system onto a canvas the way people draw:
a digit between a third and most of the canvas high, off-centre. `jitter_strokes` is the stroke-
level augmentation: affine and elastic distortion of the points and a different pen speed
(resampling), before rendering.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw

# (ink, paper) grey levels per colour scheme: the page paints #111111 on #ffffff; both colours are
# greys, so a grey image holds exactly the page's R = G = B pixels.
SCHEMES = {
    "dark-on-light": (17, 255),
    "light-on-dark": (240, 24),
}
SUPERSAMPLE = 3
CANVAS_SIZES = (200, 400)  # the page's canvas: min(100 %, 420 px) square; phones to desktops


def page_line_width(width: int, height: int) -> int:
    """The page's pen width for a canvas of this CSS size (canvas.js `lineWidth`; JS rounds .5 up)."""
    return max(6, math.floor(min(width, height) / 14 + 0.5))


@dataclass(frozen=True)
class Pen:
    """How strokes are painted. `line_width` None means the page's own for the canvas size."""

    line_width: float | None = None
    scheme: str = "dark-on-light"
    antialias: bool = True

    def __post_init__(self):
        if self.scheme not in SCHEMES:
            raise ValueError(f"scheme must be one of {', '.join(SCHEMES)}")
        if self.line_width is not None and not self.line_width > 0:
            raise ValueError("line_width must be positive")


def page_path(points: np.ndarray, *, per_curve: int = 4) -> np.ndarray:
    """The polyline the page actually paints for one stroke's points: moveTo the first, a
    quadratic curve to each midpoint with the point between as control, lineTo the last."""
    points = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    if len(points) < 3:
        return points
    mids = (points[1:-1] + points[2:]) / 2  # curve ends: midpoints of (i, i+1), i = 1..n-2
    starts = np.concatenate([points[:1], mids[:-1]])
    controls = points[1:-1]
    t = np.linspace(0, 1, per_curve + 1)[1:, None, None]  # (T, 1, 1)
    curves = (1 - t) ** 2 * starts + 2 * (1 - t) * t * controls + t ** 2 * mids  # (T, K, 2)
    dense = curves.transpose(1, 0, 2).reshape(-1, 2)
    return np.concatenate([points[:1], dense, points[-1:]])


def render_strokes(strokes, *, width: int, height: int, pen: Pen = Pen()) -> np.ndarray:
    """Paint `strokes` on a width x height canvas; returns its grey pixels, uint8 (height, width)."""
    if width < 1 or height < 1:
        raise ValueError("the canvas must be at least 1x1")
    factor = SUPERSAMPLE if pen.antialias else 1
    line_width = pen.line_width if pen.line_width is not None else page_line_width(width, height)
    radius = line_width * factor / 2
    ink = Image.new("L", (width * factor, height * factor), 0)
    draw = ImageDraw.Draw(ink)
    for stroke in strokes:
        stroke = np.asarray(stroke, dtype=np.float64).reshape(-1, 2)
        if len(stroke) == 0:
            continue
        path = page_path(stroke) * factor
        if len(path) > 1:
            draw.line([tuple(p) for p in path], fill=255, width=max(1, int(round(2 * radius))))
        # Round caps and joins: a disc on every vertex of the painted path.
        for x, y in path:
            draw.ellipse([x - radius, y - radius, x + radius, y + radius], fill=255)
    if factor > 1:
        ink = ink.reduce(factor)
    ink_grey, paper_grey = SCHEMES[pen.scheme]
    # Coverage -> colour, as the browser blends the pen over the paper (a 256-entry lookup).
    blend = [(paper_grey * (255 - c) + ink_grey * c + 127) // 255 for c in range(256)]
    return np.asarray(ink.point(blend))


def render_strokes_png(strokes, *, width: int, height: int, pen: Pen = Pen()) -> bytes:
    """What the page would send: the painted canvas as an opaque RGBA PNG."""
    grey = Image.fromarray(render_strokes(strokes, width=width, height=height, pen=pen), mode="L")
    buffer = io.BytesIO()
    grey.convert("RGBA").save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def strokes_box(strokes) -> tuple[np.ndarray, np.ndarray]:
    """(min x, min y), (max x, max y) over all points."""
    points = np.concatenate([np.asarray(s, dtype=np.float64).reshape(-1, 2) for s in strokes])
    return points.min(axis=0), points.max(axis=0)


def place_strokes(strokes, *, width: int, height: int, rng: np.random.Generator,
                  size_range: tuple[float, float] = (0.35, 0.85), margin: float = 0.0) -> list[np.ndarray]:
    """Scale and move strokes (any units) onto a canvas as a person would draw them: the drawing's
    larger side a random share (`size_range`) of the canvas, at a random place that keeps it
    inside (`margin` px from the edges, e.g. half the pen)."""
    low, high = strokes_box(strokes)
    extent = np.maximum(high - low, 1e-6)
    side = min(width, height)
    target = rng.uniform(*size_range) * side
    # A digit's size is its height; a wide, flat shape is limited by the canvas width instead.
    scale = min(target / extent[1], (width - 2 * margin - 2) / extent[0], (height - 2 * margin - 2) / extent[1])
    size = extent * scale
    room = np.maximum(np.array([width, height]) - size - 2 * margin, 0)
    origin = margin + rng.uniform(0, 1, 2) * room
    return [(np.asarray(s, dtype=np.float64).reshape(-1, 2) - low) * scale + origin for s in strokes]


@dataclass(frozen=True)
class Jitter:
    """Stroke-level augmentation ranges. Distances are shares of the drawing's height."""

    rotation_degrees: float = 12.0
    shear: float = 0.25
    aspect: float = 0.2  # x scaled by 1 +- this
    elastic: float = 0.04  # amplitude of the smooth displacement field
    resample_probability: float = 0.5  # redraw the points at a random pen speed
    resample_step: tuple[float, float] = (0.01, 0.08)
    drop_probability: float = 0.2  # or drop a random share of the points (a faster, coarser pen)


def jitter_strokes(strokes, rng: np.random.Generator, jitter: Jitter = Jitter()) -> list[np.ndarray]:
    """Strokes distorted the way another hand would have drawn them: affine (rotation, shear,
    aspect), elastic (a smooth random displacement field) and a different sampling speed."""
    strokes = [np.asarray(s, dtype=np.float64).reshape(-1, 2) for s in strokes]
    low, high = strokes_box(strokes)
    centre = (low + high) / 2
    scale = max(high[1] - low[1], high[0] - low[0], 1e-6)
    angle = math.radians(rng.uniform(-jitter.rotation_degrees, jitter.rotation_degrees))
    shear = rng.uniform(-jitter.shear, jitter.shear)
    aspect = 1 + rng.uniform(-jitter.aspect, jitter.aspect)
    rotate = np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]])
    matrix = rotate @ np.array([[aspect, shear], [0.0, 1.0]])
    # Elastic: three random low-frequency waves per axis over the drawing's own box.
    frequencies = rng.uniform(0.5, 2.0, (2, 3, 2)) * 2 * math.pi / scale
    phases = rng.uniform(0, 2 * math.pi, (2, 3))
    amplitude = jitter.elastic * scale / math.sqrt(3) * rng.uniform(0.0, 1.0)
    out = []
    for stroke in strokes:
        if len(stroke) > 1 and rng.random() < jitter.resample_probability:
            stroke = _resample(stroke, rng.uniform(*jitter.resample_step) * scale)
        elif len(stroke) > 3 and rng.random() < jitter.drop_probability:
            keep = rng.random(len(stroke)) > rng.uniform(0.1, 0.4)
            keep[[0, -1]] = True
            stroke = stroke[keep]
        local = stroke - centre
        waves = np.sin(np.einsum("nk,ajk->anj", local, frequencies) + phases[:, None, :])  # (axis, point, wave)
        displacement = amplitude * waves.sum(axis=2).T
        out.append(local @ matrix.T + displacement + centre)
    return out


def _resample(stroke: np.ndarray, step: float) -> np.ndarray:
    """The stroke as a pen moving at a constant speed would record it: points every `step` of
    arc length along the original polyline (the ends kept)."""
    lengths = np.hypot(*np.diff(stroke, axis=0).T)
    arc = np.concatenate([[0.0], np.cumsum(lengths)])
    if arc[-1] <= step:
        return stroke[[0, -1]]
    at = np.append(np.arange(0.0, arc[-1], step), arc[-1])
    return np.stack([np.interp(at, arc, stroke[:, 0]), np.interp(at, arc, stroke[:, 1])], axis=1)
