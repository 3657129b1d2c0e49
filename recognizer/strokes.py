"""The strokes stored with a drawing: what the pen did, checked before anything is stored.

    {"canvas_width": 320, "canvas_height": 320,
     "strokes": [{"pointer_type": "mouse" | "touch" | "pen",
                  "x": [...], "y": [...],   # canvas CSS pixels, 0 <= x <= width, 0 <= y <= height
                  "t": [...],               # ms since the drawing's first pen-down, never decreasing
                  "pressure": [...]}]}      # 0 to 1, as Pointer Events report it

One list per quantity (not one object per point) keeps a 4,000-point drawing small on the wire and
is already the shape Quick, Draw! files use. Too much (strokes or points) is StrokesTooLarge (413);
anything else wrong is StrokesInvalid (422).
"""

import math

from django.conf import settings

POINTER_TYPES = ("mouse", "touch", "pen")
MAX_T_MS = 3_600_000  # an hour: far past any edit window, so only nonsense is refused


class StrokesTooLarge(Exception):
    """More strokes or points than a drawing may have."""


class StrokesInvalid(Exception):
    """Strokes that are not what a pen on this canvas could have drawn."""


def strokes_clean(strokes: dict, *, canvas_width: int, canvas_height: int) -> dict:
    """Checked strokes in their stored shape (numbers as floats), for a canvas of this size (the
    PNG's). Raises StrokesTooLarge or StrokesInvalid."""
    if not isinstance(strokes, dict) or not isinstance(strokes.get("strokes"), list):
        raise StrokesInvalid("strokes must be an object with a list of strokes")
    items = strokes["strokes"]
    if len(items) > settings.DRAWING_MAX_STROKES:
        raise StrokesTooLarge(f"a drawing has at most {settings.DRAWING_MAX_STROKES} strokes, this one {len(items)}")
    if not all(isinstance(item, dict) and isinstance(item.get("x"), list) for item in items):
        raise StrokesInvalid("each stroke must be an object with lists x, y, t and pressure")
    points = sum(len(item["x"]) for item in items)
    if points > settings.DRAWING_MAX_POINTS:
        raise StrokesTooLarge(f"a drawing has at most {settings.DRAWING_MAX_POINTS} points, this one {points}")
    if (strokes.get("canvas_width"), strokes.get("canvas_height")) != (canvas_width, canvas_height):
        raise StrokesInvalid(f"the strokes' canvas is {strokes.get('canvas_width')}x{strokes.get('canvas_height')}, "
                             f"the image {canvas_width}x{canvas_height}: they must be the same")
    return {
        "canvas_width": canvas_width,
        "canvas_height": canvas_height,
        "strokes": [_stroke_clean(item, number, canvas_width, canvas_height) for number, item in enumerate(items, 1)],
    }


def _stroke_clean(stroke: dict, number: int, width: int, height: int) -> dict:
    where = f"stroke {number}"
    if stroke.get("pointer_type") not in POINTER_TYPES:
        raise StrokesInvalid(f"{where}: pointer_type must be one of {', '.join(POINTER_TYPES)}")
    lists = {}
    for name, high in (("x", width), ("y", height), ("t", MAX_T_MS), ("pressure", 1)):
        values = stroke.get(name)
        if not isinstance(values, list):
            raise StrokesInvalid(f"{where}: {name} must be a list of numbers")
        lists[name] = [_number(value, 0, high, f"{where}: {name}") for value in values]
    if not lists["x"] or len({len(values) for values in lists.values()}) != 1:
        raise StrokesInvalid(f"{where}: x, y, t and pressure must be lists of the same length, at least one point")
    if any(later < earlier for earlier, later in zip(lists["t"], lists["t"][1:])):
        raise StrokesInvalid(f"{where}: t must never decrease")
    return {"pointer_type": stroke["pointer_type"], **lists}


def _number(value, low: float, high: float, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise StrokesInvalid(f"{where}: {value!r} is not a finite number")
    if not low <= value <= high:
        raise StrokesInvalid(f"{where}: {value} is outside {low} to {high}")
    return float(value)
