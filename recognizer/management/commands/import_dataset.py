"""manage.py import_dataset PATH: labelled digits from elsewhere, stored as reviewed drawings.

PATH is an .npz with `images` (N, 28, 28) and `labels` (N,), an MNIST-style *-images-idx3-ubyte(.gz)
file next to its labels file, or a folder with sub-folders 0 ... 9 of PNG files. Every image goes
through the same preprocessing and prediction as a drawing from the canvas. All or nothing: if
any image is unusable, nothing is imported and the bad files are listed.
"""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from ml.data import DatasetError
from ml.dataset_io import read_labelled
from ml.preprocess import PreprocessError, array_to_png, canvas_to_array
from recognizer.services.drawings import drawing_import


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument("--reviewer", help="username recorded as the reviewer of the imported labels")

    def handle(self, *args, **options):
        reviewer = None
        if options["reviewer"]:
            reviewer = get_user_model().objects.filter(username=options["reviewer"]).first()
            if reviewer is None:
                raise CommandError(f"no user {options['reviewer']!r}")
        items = self._items(options["path"])
        bad = []
        for name, png, _ in items:
            try:
                canvas_to_array(png)
            except PreprocessError as exc:
                bad.append(f"{name}: {exc}")
        if bad:
            raise CommandError("nothing imported; unusable images:\n" + "\n".join(bad[:20]))
        with transaction.atomic():
            for _, png, label in items:
                drawing_import(png=png, label=label, reviewed_by=reviewer)
        self.stdout.write(self.style.SUCCESS(f"imported {len(items)} labelled drawings"))

    def _items(self, path: Path) -> list[tuple[str, bytes, int]]:
        if path.is_dir():
            items = [(str(file), file.read_bytes(), int(folder.name))
                     for folder in sorted(path.iterdir()) if folder.is_dir() and folder.name in "0123456789"
                     and len(folder.name) == 1 for file in sorted(folder.glob("*.png"))]
            if not items:
                raise CommandError(f"{path} has no 0/ ... 9/ sub-folders with PNG files")
            return items
        try:
            images, labels = read_labelled(path)
        except (OSError, DatasetError, ValueError) as exc:
            raise CommandError(f"cannot read {path}: {exc}") from None
        return [(f"{path}[{i}]", array_to_png(image), int(label)) for i, (image, label) in enumerate(zip(images, labels))]
