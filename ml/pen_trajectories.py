"""Real writers' digits: UCI "pendigits" original trajectories, verified against their md5 sum.

7,494 digits by 30 writers (none of them MNIST's), each as the stylus's own trajectory: one
point every 100 ms in tablet coordinates 0..500, one or more strokes (pen down ... pen up).
The file's y grows upwards; the loader flips it so that, like a canvas, y grows downwards.
Splits are always by writer (`writer_folds`): a writer on both sides would measure how well the
model remembers that writer, not how it reads a stranger.

E. Alpaydin and F. Alimoglu, "Pen-Based Recognition of Handwritten Digits", UCI Machine Learning
Repository, 1998 (CC BY 4.0).
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ml.data import DatasetError, dataset_file_checked

PENDIGITS_FILE = "pendigits-orig.tra.gz"
PENDIGITS_MD5 = "99ff2f0a535e655f6377386a58ae0689"
# The tablet's coordinate range: y is flipped as TABLET_SIZE - y.
TABLET_SIZE = 500


@dataclass(frozen=True)
class PenDigit:
    label: int
    writer: int  # 1..30
    strokes: tuple[np.ndarray, ...]  # each (N, 2) float32 x, y; y grows downwards


@dataclass(frozen=True)
class PenDigits:
    digits: tuple[PenDigit, ...]
    checksums: dict[str, str]

    def __len__(self) -> int:
        return len(self.digits)

    @property
    def labels(self) -> np.ndarray:
        return np.array([digit.label for digit in self.digits], dtype=np.uint8)

    @property
    def writers(self) -> np.ndarray:
        return np.array([digit.writer for digit in self.digits], dtype=np.int64)

    def subset(self, indices) -> "PenDigits":
        return PenDigits(digits=tuple(self.digits[int(i)] for i in indices), checksums=self.checksums)

    def of_writers(self, writers) -> "PenDigits":
        wanted = {int(w) for w in writers}
        return PenDigits(digits=tuple(d for d in self.digits if d.writer in wanted), checksums=self.checksums)


def load_pendigits(pendigits_dir: Path | str, *, verify: bool = True) -> PenDigits:
    """All digits of `pendigits_dir/pendigits-orig.tra.gz`, in file order. Never downloads."""
    path = dataset_file_checked(Path(pendigits_dir) / PENDIGITS_FILE, PENDIGITS_MD5, variable="PENDIGITS_DIR",
                                verify=verify)
    with gzip.open(path, "rt", encoding="ascii") as handle:
        digits = parse_unipen(handle)
    return PenDigits(digits=tuple(digits), checksums={PENDIGITS_FILE: PENDIGITS_MD5})


def parse_unipen(lines) -> list[PenDigit]:
    """The UNIPEN-style text: `.SEGMENT DIGIT ... "8"`, `.COMMENT label writer sample`, then
    `.PEN_DOWN` / points / `.PEN_UP` blocks. Other keywords (.DT, .LEXICON, ...) are skipped."""
    digits: list[PenDigit] = []
    label = writer = None
    strokes: list[np.ndarray] = []
    points: list[tuple[float, float]] | None = None

    def finish():
        if label is not None:
            if not strokes:
                raise DatasetError(f"digit {len(digits)} ({label!r} by writer {writer}) has no strokes")
            digits.append(PenDigit(label=label, writer=writer, strokes=tuple(strokes)))

    for number, line in enumerate(lines, 1):
        fields = line.split()
        if not fields:
            continue
        keyword = fields[0]
        if keyword == ".SEGMENT":
            finish()
            label, writer, strokes, points = _segment_label(fields, number), None, [], None
        elif keyword == ".COMMENT" and label is not None and writer is None:
            if len(fields) < 3 or int(fields[1]) != label:
                raise DatasetError(f"line {number}: .COMMENT does not match the segment's label {label}")
            writer = int(fields[2])
        elif keyword == ".PEN_DOWN":
            points = []
        elif keyword == ".PEN_UP":
            if points is None:
                raise DatasetError(f"line {number}: .PEN_UP without .PEN_DOWN")
            if points:
                xy = np.array(points, dtype=np.float32)
                xy[:, 1] = TABLET_SIZE - xy[:, 1]  # y grows upwards on the tablet, downwards on a canvas
                strokes.append(xy)
            points = None
        elif points is not None and not keyword.startswith("."):
            if len(fields) != 2:
                raise DatasetError(f"line {number}: expected 'x y', got {line.strip()!r}")
            points.append((float(fields[0]), float(fields[1])))
    finish()
    return digits


def _segment_label(fields: list[str], number: int) -> int:
    quoted = fields[-1].strip('"')
    if not (len(quoted) == 1 and quoted.isdigit()):
        raise DatasetError(f"line {number}: segment label {fields[-1]!r} is not a digit")
    return int(quoted)


def writer_folds(writers, k: int, *, seed: int = 0) -> list[np.ndarray]:
    """Split the distinct `writers` into `k` folds of (nearly) equal size, at random (seeded).
    Returns k sorted arrays of writer ids; every writer is in exactly one."""
    distinct = np.unique(np.asarray(writers, dtype=np.int64))
    if not 2 <= k <= len(distinct):
        raise ValueError(f"k must be between 2 and the number of writers ({len(distinct)})")
    shuffled = np.random.default_rng(seed).permutation(distinct)
    return [np.sort(shuffled[i::k]) for i in range(k)]


def writer_split(writers, held_out) -> tuple[np.ndarray, np.ndarray]:
    """Indices (train, test) of the samples whose writer is not / is in `held_out`."""
    writers = np.asarray(writers)
    test = np.isin(writers, np.asarray(held_out))
    return np.flatnonzero(~test), np.flatnonzero(test)
