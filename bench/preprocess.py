"""Time preprocessing and inference in-process, on realistic canvas PNGs.

    .venv/bin/python bench/preprocess.py [--repeat 2000]

Prints p50/p95 per canvas kind for canvas_to_array (the whole preprocessing: decode_canvas +
ink_to_array), then the p50 of its two stages apart (PNG -> ink map; ink map -> 28x28), and for
one Predictor.predict call with the shipped model (LiteRT, one thread).
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ml.__main__ import DEFAULT_MODEL  # noqa: E402 (the shipped model)
from ml.data import load_mnist  # noqa: E402
from ml.predict import Predictor  # noqa: E402
from ml.preprocess import canvas_to_array, decode_canvas, ink_to_array  # noqa: E402
from tests.canvases import MNIST_DIR, mnist_digit_png, strokes_png  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SEVEN = [[(60, 60), (220, 60), (120, 240)]]


def timed(function, repeat):
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95)]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=2000)
    args = parser.parse_args()
    digit = load_mnist(MNIST_DIR, "test").images[0]
    canvases = {
        "280x280 black-on-white strokes": strokes_png(SEVEN, size=(280, 280), width=20),
        "280x280 white-on-black strokes": strokes_png(SEVEN, size=(280, 280), width=20, ink="white",
                                                      background="black"),
        # What static/js/canvas.js sends: #111111 strokes on a white fill, exported as RGBA.
        "280x280 browser (#111 on white, RGBA)": strokes_png(SEVEN, size=(280, 280), width=20, ink=(17, 17, 17, 255),
                                                             background=(255, 255, 255, 255), mode="RGBA"),
        "200x200 transparent (original app)": strokes_png([[(40, 40), (160, 40), (80, 170)]], size=(200, 200), width=14,
                                                          ink=(0, 0, 0, 255), background=(0, 0, 0, 0), mode="RGBA"),
        "280x280 MNIST digit": mnist_digit_png(digit, scale=10),
    }
    predictor = Predictor.load(DEFAULT_MODEL)
    image = canvas_to_array(next(iter(canvases.values())))
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores, {args.repeat} runs each")
    print(f"{'canvas':40} {'PNG bytes':>9} {'preprocess p50':>15} {'p95':>8} {'decode p50':>11} {'rest p50':>9}")
    for name, png in canvases.items():
        p50, p95 = timed(lambda: canvas_to_array(png), args.repeat)
        decode_p50, _ = timed(lambda: decode_canvas(png), args.repeat)
        ink = decode_canvas(png).ink
        rest_p50, _ = timed(lambda: ink_to_array(ink), args.repeat)
        print(f"{name:40} {len(png):9d} {p50:12.3f} ms {p95:6.3f} ms {decode_p50:8.3f} ms {rest_p50:6.3f} ms")
    p50, p95 = timed(lambda: predictor.predict(image), args.repeat)
    print(f"{'inference (LiteRT, 1 thread)':40} {'':9} {p50:12.3f} ms {p95:6.3f} ms")
    assert np.isfinite(image).all()


if __name__ == "__main__":
    main()
