"""Rendering work shared out to forked worker processes, when that is safe.

Drawing canvases is pure Python/Pillow, so two processes draw twice as fast on two cores. A fork
of a process that runs TensorFlow's threads can deadlock, and a daemonic process (a Celery
prefork worker's child, where training jobs run) may not have children at all, so there
everything runs in this process instead; the results are the same either way.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from typing import Callable


def worker_count(workers: int | None = None) -> int:
    """`workers` (default: up to 2, the cores here), or 1 once TensorFlow is loaded or in a daemon."""
    if "tensorflow" in sys.modules or multiprocessing.current_process().daemon:
        return 1
    return workers or min(2, os.cpu_count() or 1)


def map_in_chunks(function: Callable, items, *arguments, workers: int | None = None) -> list:
    """[function((chunk, start, *arguments)) for each chunk of `items`], in order, computed in
    `worker_count(workers)` processes: a chunk is `items[start : start + size]`, four to a worker
    (small enough to even out, large enough to be worth a process). A result that depends only
    on an item and its index (`start` + its place in the chunk) is the same however it is split."""
    workers = worker_count(workers)
    size = max(1, -(-len(items) // (workers * 4)))
    chunks = [(items[start : start + size], start, *arguments) for start in range(0, len(items), size)]
    if workers == 1 or len(chunks) <= 1:
        return [function(chunk) for chunk in chunks]
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
        return list(pool.map(function, chunks))
