"""Users' stored strokes, as plain arrays: the input of the one stroke renderer (ml/strokes.py), so
training can redraw users' digits with other pens, and Quick, Draw!'s "simplified" shape for
ndjson exports.

Stored strokes are the JSON the site keeps with a drawing:
{"canvas_width", "canvas_height", "strokes": [{"pointer_type", "x": [...], "y": [...], "t": [...],
"pressure": [...]}]}, x and y in canvas CSS pixels, t in ms since the first pen-down.
"""

from __future__ import annotations

import numpy as np

QUICKDRAW_SIDE = 255  # Quick, Draw!'s simplified drawings fit 0-255
QUICKDRAW_EPSILON = 2.0  # its Ramer-Douglas-Peucker tolerance, in those units


def user_strokes_to_arrays(stored: dict) -> tuple[list[np.ndarray], int, int]:
    """(strokes, width, height): each stroke an (N, 2) float array of x, y in canvas pixels, as
    ml.strokes.render_strokes takes them, and the canvas they were drawn on."""
    strokes = [np.column_stack([stroke["x"], stroke["y"]]).astype(np.float64) for stroke in stored["strokes"]]
    return strokes, int(stored["canvas_width"]), int(stored["canvas_height"])


def quickdraw_simplified(stored: dict) -> list[list[list[int]]]:
    """The drawing as Quick, Draw! simplifies its own: moved to the top-left corner (minimum 0),
    scaled uniformly to a maximum of 255, each stroke resampled every 1 unit and simplified
    (Ramer-Douglas-Peucker, epsilon 2), rounded to integers. Each stroke is [[x...], [y...],
    [t...]]: the times (ms, interpolated where resampled) are kept as the raw format's third list."""
    strokes = [np.column_stack([s["x"], s["y"], s["t"]]).astype(np.float64) for s in stored["strokes"] if s["x"]]
    if not strokes:
        return []
    points = np.concatenate(strokes)
    low = points[:, :2].min(axis=0)
    extent = max(float((points[:, :2].max(axis=0) - low).max()), 1e-9)
    scale = QUICKDRAW_SIDE / extent
    out = []
    for stroke in strokes:
        xy = (stroke[:, :2] - low) * scale
        resampled = _resample(np.column_stack([xy, stroke[:, 2]]), step=1.0)
        kept = resampled[_rdp(resampled[:, :2], QUICKDRAW_EPSILON)]
        rounded = np.rint(kept).astype(int)
        out.append([rounded[:, 0].tolist(), rounded[:, 1].tolist(), rounded[:, 2].tolist()])
    return out


def _resample(stroke: np.ndarray, step: float) -> np.ndarray:
    """Points (x, y, t) every `step` along the path (the last point kept), t interpolated."""
    if len(stroke) < 2:
        return stroke
    arc = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(stroke[:, :2], axis=0).T))])
    if arc[-1] == 0:
        return stroke[:1]
    at = np.append(np.arange(0.0, arc[-1], step), arc[-1])
    return np.column_stack([np.interp(at, arc, stroke[:, i]) for i in range(stroke.shape[1])])


def _rdp(points: np.ndarray, epsilon: float) -> np.ndarray:
    """Indices of the points Ramer-Douglas-Peucker keeps (iteratively, no recursion limit)."""
    keep = np.zeros(len(points), dtype=bool)
    keep[[0, -1]] = True
    pending = [(0, len(points) - 1)]
    while pending:
        first, last = pending.pop()
        if last - first < 2:
            continue
        start, end = points[first], points[last]
        inner = points[first + 1:last]
        chord = end - start
        length = np.hypot(*chord)
        if length == 0:
            distances = np.hypot(*(inner - start).T)
        else:
            distances = np.abs(chord[0] * (inner[:, 1] - start[1]) - chord[1] * (inner[:, 0] - start[0])) / length
        farthest = int(distances.argmax())
        if distances[farthest] > epsilon:
            middle = first + 1 + farthest
            keep[middle] = True
            pending += [(first, middle), (middle, last)]
    return np.flatnonzero(keep)
