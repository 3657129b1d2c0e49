"""Canvas-style digits: MNIST digits redrawn the way a browser canvas sends them.

MNIST digits are soft, pressure-varying pen strokes already normalised to 28x28. What the site
receives is different: a PNG of any size with uniform-width, round-capped strokes, hard or
antialiased edges, a thin or thick pen, a tiny or huge digit anywhere on the canvas, in either
colour scheme. This module thins an MNIST digit to its skeleton and redraws that skeleton as such
a canvas. The evaluation set is built from the MNIST *test* split only, so it never overlaps the
training data; the same redraw applied to *training* digits is an augmentation.

Every canvas goes through the site's own preprocessing (`ml.preprocess.canvas_to_array`), so the
set measures exactly what serving sees.
"""

from __future__ import annotations

import io
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

# Bumped whenever the same (digit, seed, index) would give a different canvas.
RECIPE_VERSION = 1
SCHEMES = ("black-on-white", "white-on-black", "black-on-transparent")
# The skeleton is taken at 4x MNIST's resolution so that redrawn strokes follow the digit's
# curves, not its 28-pixel staircase.
UPSAMPLE = 4
SUPERSAMPLE = 3  # antialiased canvases are drawn at 3x and averaged down, as a browser does


@dataclass(frozen=True)
class PenStyle:
    canvas_size: int  # square canvas side, px
    digit_height: float  # height of the digit's skeleton on the canvas, px
    pen_width: float  # px
    centre_x: float  # where the skeleton's box is centred, px
    centre_y: float
    scheme: str
    antialias: bool

    def to_dict(self) -> dict:
        return asdict(self)


def pen_style_random(rng: np.random.Generator, aspect: float) -> PenStyle:
    """A random way to draw a digit whose skeleton is `aspect` = width / height.

    Ranges cover what people do on a 200-400 px canvas: digits from a fifth of the canvas to
    nearly all of it, pens from hairline (5 % of the digit's height) to marker (22 %).
    """
    canvas_size = int(rng.integers(200, 401))
    pen_width = 0.0
    digit_height = 0.0
    for _ in range(20):
        digit_height = float(rng.uniform(0.2, 0.85)) * canvas_size
        pen_width = max(2.0, float(rng.uniform(0.05, 0.22)) * digit_height)
        if digit_height * max(aspect, 0.3) + pen_width < canvas_size - 4:
            break
    half_w = (digit_height * aspect + pen_width) / 2 + 2
    half_h = (digit_height + pen_width) / 2 + 2
    centre_x = float(rng.uniform(half_w, max(half_w, canvas_size - half_w)))
    centre_y = float(rng.uniform(half_h, max(half_h, canvas_size - half_h)))
    return PenStyle(
        canvas_size=canvas_size,
        digit_height=digit_height,
        pen_width=pen_width,
        centre_x=centre_x,
        centre_y=centre_y,
        scheme=SCHEMES[int(rng.integers(len(SCHEMES)))],
        antialias=bool(rng.integers(2)),
    )


def skeleton_of(digit: np.ndarray) -> np.ndarray:
    """The (K, 2) float (row, col) points of a 28x28 digit's one-pixel skeleton, in 28-px units."""
    from skimage.morphology import skeletonize

    pixels = np.clip(np.asarray(digit, dtype=np.float32) * 255, 0, 255).astype(np.uint8)
    size = 28 * UPSAMPLE
    large = np.asarray(Image.fromarray(pixels).resize((size, size), Image.Resampling.BILINEAR))
    skeleton = skeletonize(large > 127)
    points = np.argwhere(skeleton).astype(np.float32)
    return (points + 0.5) / UPSAMPLE


def _segments(points: np.ndarray) -> list[tuple[int, int]]:
    """Pairs of 8-connected skeleton points: the strokes to draw between them."""
    grid = np.rint(points * UPSAMPLE - 0.5).astype(np.int64)
    index = {(int(r), int(c)): i for i, (r, c) in enumerate(grid)}
    pairs = []
    for i, (r, c) in enumerate(grid):
        for dr, dc in ((0, 1), (1, -1), (1, 0), (1, 1)):
            j = index.get((int(r + dr), int(c + dc)))
            if j is not None:
                pairs.append((i, j))
    return pairs


def render_canvas(points: np.ndarray, style: PenStyle) -> bytes:
    """Draw skeleton `points` as round-capped pen strokes on a canvas; return RGBA PNG bytes."""
    if len(points) == 0:
        raise ValueError("the digit has no skeleton")
    pairs = _segments(points)
    points = _smoothed(points, pairs)
    top, left = points.min(axis=0)
    bottom, right = points.max(axis=0)
    scale = style.digit_height / max(bottom - top, 1e-3)
    factor = SUPERSAMPLE if style.antialias else 1
    # Canvas coordinates, centred where the style puts the digit.
    rows = (points[:, 0] - (top + bottom) / 2) * scale + style.centre_y
    cols = (points[:, 1] - (left + right) / 2) * scale + style.centre_x
    xy = np.stack([cols, rows], axis=1) * factor

    side = style.canvas_size * factor
    ink = Image.new("L", (side, side), 0)
    draw = ImageDraw.Draw(ink)
    radius = max(0.5, style.pen_width * factor / 2)
    # A round pen is a disc dragged along the path: stamp it densely enough (every half radius)
    # that the edges stay straight, which Pillow's wide lines do not at every angle.
    stamps = [xy]
    for i, j in pairs:
        steps = int(np.ceil(np.hypot(*(xy[j] - xy[i])) / (radius / 2)))
        if steps > 1:
            t = np.linspace(0, 1, steps + 1)[1:-1, None]
            stamps.append(xy[i] + t * (xy[j] - xy[i]))
    for x, y in np.concatenate(stamps):
        draw.ellipse([x - radius, y - radius, x + radius, y + radius], fill=255)
    if factor > 1:
        ink = ink.reduce(factor)
    return _coloured_png(np.asarray(ink), style.scheme)


def _smoothed(points: np.ndarray, pairs: list[tuple[int, int]], rounds: int = 3) -> np.ndarray:
    """Average each point with its skeleton neighbours: the pixel staircase becomes a pen curve."""
    if not pairs:
        return points
    first, second = np.array(pairs).T
    for _ in range(rounds):
        total = points.copy()
        count = np.ones(len(points))
        np.add.at(total, first, points[second])
        np.add.at(total, second, points[first])
        np.add.at(count, first, 1)
        np.add.at(count, second, 1)
        points = total / count[:, None]
    return points


def _coloured_png(ink: np.ndarray, scheme: str) -> bytes:
    height, width = ink.shape
    rgba = np.empty((height, width, 4), dtype=np.uint8)
    if scheme == "black-on-transparent":
        rgba[..., :3] = 0
        rgba[..., 3] = ink
    else:
        gray = ink if scheme == "white-on-black" else 255 - ink
        rgba[..., :3] = gray[..., None]
        rgba[..., 3] = 255
    buffer = io.BytesIO()
    Image.fromarray(rgba, mode="RGBA").save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def canvas_style_example(digit: np.ndarray, rng: np.random.Generator) -> tuple[bytes, PenStyle]:
    """One MNIST digit redrawn as a random canvas drawing: (PNG bytes, how it was drawn)."""
    points = skeleton_of(digit)
    if len(points) == 0:
        raise ValueError("the digit has no skeleton")
    height = np.ptp(points[:, 0]) or 1.0
    style = pen_style_random(rng, aspect=float(np.ptp(points[:, 1]) / height))
    return render_canvas(points, style), style


def canvas_style_set(images: np.ndarray, labels: np.ndarray, *, seed: int = 0, keep_png=None):
    """Redraw every digit of `images` as a canvas and preprocess it like the site does.

    Returns (images (N, 28, 28) float32, labels (N,), styles list). Example i depends only on
    (seed, i), so any slice of the set is reproducible on its own. `keep_png(i, png)`, if given,
    receives each canvas (e.g. to save samples).
    """
    from ml.preprocess import canvas_to_array

    out = np.zeros((len(labels), 28, 28), dtype=np.float32)
    styles = []
    for i, digit in enumerate(images):
        rng = np.random.default_rng([RECIPE_VERSION, seed, i])
        png, style = canvas_style_example(digit, rng)
        out[i] = canvas_to_array(png)
        styles.append(style)
        if keep_png is not None:
            keep_png(i, png)
    return out, np.asarray(labels, dtype=np.uint8), styles


def canvas_style_test_set(mnist_dir, *, cache_dir=None, limit: int | None = None, seed: int = 0):
    """The project's canvas-style evaluation set: the first `limit` (default all 10,000) MNIST
    *test* digits, each redrawn once. Building all of it takes about a minute, so it is kept
    in `cache_dir` under a name that changes with anything that would change its contents.
    Returns (images, labels).
    """
    from ml.data import load_mnist
    from ml.dataset_io import cached_image_set
    from ml.preprocess import PREPROCESS_VERSION

    test = load_mnist(mnist_dir, "test")
    count = min(limit or len(test), len(test))
    name = f"canvas-style-r{RECIPE_VERSION}-p{PREPROCESS_VERSION}-s{seed}-{count}.npz"

    def build():
        images, labels, _ = canvas_style_set(test.images[:count], test.labels[:count], seed=seed)
        return {"images": images, "labels": np.asarray(labels, dtype=np.uint8)}

    arrays = cached_image_set(Path(cache_dir) / name if cache_dir is not None else None, build)
    return arrays["images"], arrays["labels"]


def canvas_style_training_set(images: np.ndarray, labels: np.ndarray, *, renders: int, seed: int,
                              cache_dir=None, workers: int | None = None):
    """Each training digit redrawn `renders` times through the page's own pipeline (the canvas
    PNG, then `ml.preprocess`): (images (N * renders, 28, 28), labels), one digit's redraws next
    to each other. Unlike the in-batch pen redraw (ml/model.py redraw_with_pens) this is exactly
    what the canvas-style test set measures, on the training split. A digit too faint to leave a
    skeleton is kept as MNIST drew it. Kept in `cache_dir` (about 8 minutes of two cores for
    MNIST's 60,000 digits)."""
    from ml.dataset_io import cached_image_set
    from ml.parallel import map_in_chunks
    from ml.preprocess import PREPROCESS_VERSION

    labels = np.repeat(np.asarray(labels, dtype=np.uint8), renders)
    name = f"canvas-style-train-r{RECIPE_VERSION}-p{PREPROCESS_VERSION}-s{seed}-x{renders}-{len(images)}.npz"
    arrays = cached_image_set(Path(cache_dir) / name if cache_dir is not None else None, lambda: {
        "images": np.concatenate(map_in_chunks(_training_chunk, images, seed, renders, workers=workers)),
        "labels": labels,
    }, expect={"labels": labels})
    return arrays["images"], labels


def _training_chunk(args) -> np.ndarray:
    from ml.preprocess import canvas_to_array

    digits, start, seed, renders = args
    out = np.repeat(np.asarray(digits, dtype=np.float32), renders, axis=0)
    for i, digit in enumerate(digits):
        for r in range(renders):
            rng = np.random.default_rng([RECIPE_VERSION, seed, start + i, r, 3])
            try:
                out[i * renders + r] = canvas_to_array(canvas_style_example(digit, rng)[0])
            except ValueError:  # a PreprocessError too
                pass  # no skeleton, or nothing left after drawing it: MNIST's own digit stands
    return out


def skeletons_2x(images: np.ndarray) -> np.ndarray:
    """One-pixel skeletons of (N, 28, 28) digits at twice the resolution: uint8 (N, 56, 56).

    Training redraws these with random pen widths (ml.model.redraw_with_pens), the cheap
    in-graph twin of render_canvas. About 0.1 ms a digit.
    """
    from skimage.morphology import skeletonize

    large = _upsample_2x(np.asarray(images, dtype=np.float32))
    return np.stack([skeletonize(mask) for mask in large > 0.5]).astype(np.uint8)


def _upsample_2x(images: np.ndarray) -> np.ndarray:
    """Bilinear 2x upsampling of a batch (pixel centres kept), vectorised over the batch."""

    def along(axis, array):
        before = np.concatenate([np.take(array, [0], axis), np.take(array, range(array.shape[axis] - 1), axis)], axis)
        after = np.concatenate([np.take(array, range(1, array.shape[axis]), axis), np.take(array, [-1], axis)], axis)
        even, odd = 0.75 * array + 0.25 * before, 0.75 * array + 0.25 * after
        return np.stack([even, odd], axis + 1).reshape(*array.shape[:axis], -1, *array.shape[axis + 1 :])

    return along(2, along(1, images))
