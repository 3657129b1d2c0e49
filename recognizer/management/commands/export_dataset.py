"""manage.py export_dataset: the reviewed drawings (confirmed or relabeled) in MNIST format.

  --format npz  one file: images (N, 28, 28) uint8, labels (N,), held_out (N,) bool, ids (N,)
  --format idx  digitsite-train-* and digitsite-heldout-* idx.gz pairs, like MNIST's own files
"""

from pathlib import Path

import numpy as np
from django.core.management.base import BaseCommand

from ml.dataset_io import write_idx, write_npz
from recognizer.selectors import training_set_get


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=("npz", "idx"), default="npz")
        parser.add_argument("--output", type=Path, required=True, help="a .npz file, or a folder for idx")

    def handle(self, *args, **options):
        data = training_set_get()
        output = options["output"]
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
