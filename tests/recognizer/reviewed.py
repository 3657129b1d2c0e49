"""Reviewed drawings made quickly for the learning-loop tests: MNIST training digits stored as
confirmed drawings, as drawing_import would store them, without predicting each one."""

import numpy as np
from django.conf import settings
from django.utils import timezone

from ml.data import load_mnist
from ml.preprocess import array_to_png
from recognizer.models import Drawing


def reviewed_drawings_create(count: int, *, start: int = 0) -> list[Drawing]:
    train = load_mnist(settings.MNIST_DIR, "train")
    now = timezone.now()
    drawings = [
        Drawing(source=Drawing.Source.IMPORT, image_png=array_to_png(image), pixels=np.ascontiguousarray(image, np.float32).tobytes(),
                canvas_width=28, canvas_height=28, predicted_digit=int(label), confidence=1.0,
                review_status=Drawing.Review.CONFIRMED, label=int(label), reviewed_at=now)
        for image, label in zip(train.images[start:start + count], train.labels[start:start + count])
    ]
    return Drawing.objects.bulk_create(drawings)
