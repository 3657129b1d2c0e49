"""manage.py export_dataset: the reviewed drawings (confirmed or relabeled) in MNIST format, or
their strokes in Quick, Draw!'s format.

  --format npz     one file: images (N, 28, 28) uint8, labels (N,), held_out (N,) bool, ids (N,)
  --format idx     digitsite-train-* and digitsite-heldout-* idx.gz pairs, like MNIST's own files
  --format ndjson  one file, a JSON object a line, shaped as Quick, Draw!'s "simplified" drawings:
                   {"key_id": drawing id, "word": "7", "recognized": the final prediction was
                   right, "timestamp", "drawing": [[[x...], [y...], [t...]], ...]} (0-255, times in
                   ms); only the drawings stored with their strokes
"""

import json
from datetime import timezone as dt_timezone
from pathlib import Path

import numpy as np
from django.core.management.base import BaseCommand

from ml.dataset_io import write_idx, write_npz
from ml.user_strokes import quickdraw_simplified
from recognizer.selectors import drawing_list_for_export, training_set_get


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=("npz", "idx", "ndjson"), default="npz")
        parser.add_argument("--output", type=Path, required=True,
                            help="a .npz or .ndjson file, or a folder for idx")

    def handle(self, *args, **options):
        output = options["output"]
        if options["format"] == "ndjson":
            self.write_ndjson(output)
            return
        data = training_set_get()
        if options["format"] == "npz":
            write_npz(
                output,
                np.concatenate([data.train_images, data.holdout_images]),
                np.concatenate([data.train_labels, data.holdout_labels]),
                held_out=np.array([False] * len(data.train_labels) + [True] * len(data.holdout_labels)),
            )
            written = [output]
        else:
            written = write_idx(output, "digitsite-train", data.train_images, data.train_labels)
            written += write_idx(output, "digitsite-heldout", data.holdout_images, data.holdout_labels)
        self.stdout.write(f"{len(data.train_labels)} training + {len(data.holdout_labels)} held-out drawings -> "
                          + ", ".join(str(path) for path in written))

    def write_ndjson(self, output: Path) -> None:
        written = 0
        with open(output, "w", encoding="utf-8") as handle:
            for drawing in drawing_list_for_export().iterator(chunk_size=500):
                line = {
                    "key_id": str(drawing.id),
                    "word": str(drawing.label),
                    "recognized": drawing.predicted_digit == drawing.label,
                    "timestamp": drawing.created_at.astimezone(dt_timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f UTC"),
                    "drawing": quickdraw_simplified(drawing.strokes),
                }
                handle.write(json.dumps(line, separators=(",", ":")) + "\n")
                written += 1
        self.stdout.write(f"{written} reviewed drawings with their strokes -> {output}")
