"""Drawings that are not digits, made up by the project itself: taps, scribbles, stars, spirals,
hashes, boxed crosses, zigzags, smileys, hatching, waves, triangles, letters that look like no
digit, and partial strokes of real digits. A model learns them as an eleventh class ("not a
digit"), so that a tap is no longer "0, 100 % sure".

Each kind returns strokes in canvas pixels (ml/strokes.py conventions); `non_digit_strokes` picks
a kind and a canvas. Shapes that *are* digits to a reader are left out on purpose: a plain circle
(0), a straight line (1), an S (5), a Z (2), a B (8), a lone G or q, an L or a T (close to 4 and 7
for some writers). Letters are drawn from their stroke skeletons below.
"""

from __future__ import annotations

import math

import numpy as np

from ml.strokes import Jitter, jitter_strokes, page_line_width, place_strokes

# Letter skeletons in a unit box (x right, y down), one list of points per stroke.
LETTERS = {
    "A": [[(0, 1), (0.5, 0), (1, 1)], [(0.22, 0.6), (0.78, 0.6)]],
    "E": [[(1, 0), (0, 0), (0, 1), (1, 1)], [(0, 0.5), (0.75, 0.5)]],
    "F": [[(1, 0), (0, 0), (0, 1)], [(0, 0.5), (0.7, 0.5)]],
    "H": [[(0, 0), (0, 1)], [(1, 0), (1, 1)], [(0, 0.5), (1, 0.5)]],
    "K": [[(0, 0), (0, 1)], [(1, 0), (0, 0.55), (1, 1)]],
    "M": [[(0, 1), (0, 0), (0.5, 0.6), (1, 0), (1, 1)]],
    "N": [[(0, 1), (0, 0), (1, 1), (1, 0)]],
    "W": [[(0, 0), (0.25, 1), (0.5, 0.35), (0.75, 1), (1, 0)]],
    "X": [[(0, 0), (1, 1)], [(1, 0), (0, 1)]],
    "Y": [[(0, 0), (0.5, 0.5), (1, 0)], [(0.5, 0.5), (0.5, 1)]],
    "R": [[(0, 1), (0, 0), (0.7, 0), (0.9, 0.15), (0.9, 0.35), (0.7, 0.5), (0, 0.5)], [(0.35, 0.5), (1, 1)]],
    "m": [[(0, 1), (0, 0.3), (0.1, 0.2), (0.4, 0.2), (0.5, 0.35), (0.5, 1)],
          [(0.5, 0.35), (0.6, 0.2), (0.9, 0.2), (1, 0.3), (1, 1)]],
    "w": [[(0, 0.3), (0.2, 1), (0.5, 0.5), (0.8, 1), (1, 0.3)]],
    "e": [[(0.05, 0.55), (0.95, 0.55), (0.9, 0.3), (0.6, 0.1), (0.3, 0.12), (0.05, 0.4), (0.08, 0.75),
           (0.35, 0.98), (0.7, 0.98), (0.95, 0.85)]],
}

KINDS = ("tap", "scribble", "star", "asterisk", "spiral", "hash", "boxed_cross", "zigzag", "smiley",
         "hatching", "wave", "triangle", "letter", "partial_stroke")


def _circle(cx, cy, r, start=0.0, end=2 * math.pi, n=24):
    t = np.linspace(start, end, n)
    return np.stack([cx + r * np.cos(t), cy + r * np.sin(t)], axis=1)


def _line(a, b):
    return np.array([a, b], dtype=np.float64)


def _densify(points, step=0.05):
    """Points every `step` along a polyline (the page records many points per stroke)."""
    points = np.asarray(points, dtype=np.float64)
    out = [points[0]]
    for a, b in zip(points[:-1], points[1:]):
        n = max(1, int(np.ceil(np.hypot(*(b - a)) / step)))
        out.extend(a + (b - a) * t for t in np.linspace(0, 1, n + 1)[1:])
    return np.array(out)


def _scribble(rng: np.random.Generator) -> list[np.ndarray]:
    count = int(rng.integers(1, 4))
    strokes = []
    for _ in range(count):
        steps = rng.normal(0, 1, (int(rng.integers(15, 60)), 2))
        for _ in range(2):
            steps = (steps + np.roll(steps, 1, axis=0) + np.roll(steps, -1, axis=0)) / 3
        strokes.append(np.cumsum(steps, axis=0))
    return strokes


def _star(rng: np.random.Generator) -> list[np.ndarray]:
    points = int(rng.choice([5, 5, 6, 7]))
    inner = rng.uniform(0.3, 0.5)
    angles = np.linspace(0, 2 * math.pi, 2 * points + 1) + rng.uniform(0, 2 * math.pi)
    radii = np.where(np.arange(2 * points + 1) % 2 == 0, 1.0, inner)
    if rng.random() < 0.5:  # the pentagram drawn in one stroke, crossing itself
        angles = np.linspace(0, 4 * math.pi, 6) + rng.uniform(0, 2 * math.pi)
        radii = np.ones(6)
    return [_densify(np.stack([radii * np.cos(angles), radii * np.sin(angles)], axis=1))]


def _asterisk(rng: np.random.Generator) -> list[np.ndarray]:
    lines = int(rng.integers(3, 5))
    base = rng.uniform(0, math.pi)
    strokes = []
    for i in range(lines):
        a = base + i * math.pi / lines + rng.normal(0, 0.08)
        strokes.append(_densify(_line((math.cos(a), math.sin(a)), (-math.cos(a), -math.sin(a)))))
    return strokes


def _spiral(rng: np.random.Generator) -> list[np.ndarray]:
    turns = rng.uniform(1.8, 4.0)
    t = np.linspace(0, turns * 2 * math.pi, int(60 * turns))
    r = 0.05 + t / t[-1]
    sign = rng.choice([-1, 1])
    return [np.stack([r * np.cos(sign * t), r * np.sin(sign * t)], axis=1)]


def _hash(rng: np.random.Generator) -> list[np.ndarray]:
    j = lambda: rng.normal(0, 0.04)  # noqa: E731
    a, b = rng.uniform(0.25, 0.4), rng.uniform(0.6, 0.75)
    strokes = [_line((a + j(), 0), (a + j() - 0.1, 1)), _line((b + j(), 0), (b + j() - 0.1, 1)),
               _line((0, a + j()), (1, a + j())), _line((0, b + j()), (1, b + j()))]
    return [_densify(s) for s in strokes]


def _boxed_cross(rng: np.random.Generator) -> list[np.ndarray]:
    box = _densify([(0, 0), (1, 0), (1, 1), (0, 1), (0, 0)])
    cross = [_densify(_line((0, 0), (1, 1))), _densify(_line((1, 0), (0, 1)))]
    if rng.random() < 0.4:
        cross = [_densify(_line((0.5, 0), (0.5, 1))), _densify(_line((0, 0.5), (1, 0.5)))]
    return [box, *cross]


def _zigzag(rng: np.random.Generator) -> list[np.ndarray]:
    # Sideways only, and at least five points: a zigzag down the page with three is a 3 or a Z.
    teeth = int(rng.integers(5, 11))
    xs = np.linspace(0, 1, teeth)
    ys = np.where(np.arange(teeth) % 2 == 0, 0.0, rng.uniform(0.3, 0.8))
    return [_densify(np.stack([xs, ys], axis=1))]


def _smiley(rng: np.random.Generator) -> list[np.ndarray]:
    strokes = [_circle(0, 0, 1, n=40)]
    strokes += [np.array([[-0.35, -0.3]]), np.array([[0.35, -0.3]])] if rng.random() < 0.6 else \
        [_circle(-0.35, -0.3, 0.08, n=8), _circle(0.35, -0.3, 0.08, n=8)]
    mouth = _circle(0, 0.05, 0.5, 0.2 * math.pi, 0.8 * math.pi, n=16)
    if rng.random() < 0.3:
        mouth = mouth * [1, -1] + [0, 0.75]  # a frown
    return strokes + [mouth]


def _hatching(rng: np.random.Generator) -> list[np.ndarray]:
    lines = int(rng.integers(4, 9))
    slope = rng.uniform(-0.8, 0.8)
    strokes = [_densify(_line((0, i / lines), (1, i / lines + slope))) for i in range(lines)]
    if rng.random() < 0.5:  # back and forth in one stroke
        points = np.concatenate([s if i % 2 == 0 else s[::-1] for i, s in enumerate(strokes)])
        return [points]
    return strokes


def _wave(rng: np.random.Generator) -> list[np.ndarray]:
    t = np.linspace(0, rng.uniform(2.0, 4.0) * 2 * math.pi, 80)
    return [np.stack([t / t[-1] * 3, rng.uniform(0.15, 0.4) * np.sin(t)], axis=1)]


def _triangle(rng: np.random.Generator) -> list[np.ndarray]:
    angles = rng.uniform(0, 2 * math.pi) + np.array([0, 2.1, 4.2, 2 * math.pi]) + rng.normal(0, 0.1, 4)
    angles[-1] = angles[0]
    return [_densify(np.stack([np.cos(angles), np.sin(angles)], axis=1))]


def _letter(rng: np.random.Generator) -> list[np.ndarray]:
    letter = LETTERS[str(rng.choice(list(LETTERS)))]
    aspect = rng.uniform(0.6, 1.0)
    return [_densify(np.array(stroke, dtype=np.float64) * [aspect, 1.0]) for stroke in letter]


def _partial_stroke(rng: np.random.Generator, fragments) -> list[np.ndarray]:
    # A piece of a real digit's stroke, as when the pen lifts too early: curved pieces only,
    # since a straight one is a fair 1.
    for _ in range(20):
        stroke = fragments[int(rng.integers(len(fragments)))]
        if len(stroke) < 8:
            continue
        length = int(len(stroke) * rng.uniform(0.15, 0.35))
        start = int(rng.integers(0, len(stroke) - length))
        piece = stroke[start : start + length + 1]
        path = np.hypot(*np.diff(piece, axis=0).T).sum()
        if path > 0 and np.hypot(*(piece[-1] - piece[0])) / path < 0.65:
            return [piece]
    return _spiral(rng)


# The kinds drawn from the rng alone, in arbitrary units; taps are drawn on the canvas itself
# (their size is the pen's), partial strokes cut from real digits' fragments.
_SHAPES = {"scribble": _scribble, "star": _star, "asterisk": _asterisk, "spiral": _spiral, "hash": _hash,
           "boxed_cross": _boxed_cross, "zigzag": _zigzag, "smiley": _smiley, "hatching": _hatching, "wave": _wave,
           "triangle": _triangle, "letter": _letter}


def _shape(kind: str, rng: np.random.Generator, fragments) -> list[np.ndarray]:
    """Strokes of one drawing of `kind`, in arbitrary units (placed on the canvas afterwards)."""
    if kind == "partial_stroke":
        return _partial_stroke(rng, fragments)
    if kind not in _SHAPES:
        raise ValueError(f"unknown kind {kind!r}")
    return _SHAPES[kind](rng)


def _taps(rng: np.random.Generator, width: int, height: int, line_width: float) -> list[np.ndarray]:
    """One to three taps, in canvas px: a dot is the pen's own size, wherever it lands."""
    taps = int(rng.choice([1, 1, 1, 2, 3]))
    strokes = []
    for _ in range(taps):
        centre = rng.uniform(line_width, [width - line_width, height - line_width])
        wobble = rng.normal(0, line_width * 0.15, (int(rng.integers(1, 4)), 2))
        strokes.append(centre + np.cumsum(wobble, axis=0) * (rng.random() < 0.5))
    return strokes


def non_digit_strokes(kind: str, rng: np.random.Generator, *, width: int, height: int,
                      fragments=None, jitter: Jitter | None = Jitter()) -> list[np.ndarray]:
    """One drawing of `kind` on a width x height canvas, in canvas px. `fragments`: strokes of
    real digits (for "partial_stroke"), from training writers only."""
    line_width = page_line_width(width, height)
    if kind == "tap":
        return _taps(rng, width, height, line_width)
    if kind == "partial_stroke" and not fragments:
        kind = "spiral"
    strokes = _shape(kind, rng, fragments)
    if jitter is not None:
        strokes = jitter_strokes(strokes, rng, jitter)
    size_range = (0.15, 0.5) if kind == "partial_stroke" else (0.3, 0.9)
    return place_strokes(strokes, width=width, height=height, rng=rng, size_range=size_range, margin=line_width / 2)
