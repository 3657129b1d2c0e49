"""export_dataset and import_dataset: the reviewed set out in MNIST formats, labelled sets in."""

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from ml.data import load_mnist, read_idx
from ml.dataset_io import read_labelled, write_npz
from recognizer.models import Drawing
from tests.canvases import MNIST_DIR, png_bytes, seven_png


@pytest.fixture
def mnist_sample():
    test = load_mnist(MNIST_DIR, "test")
    return test.images[:30], test.labels[:30]


@pytest.mark.django_db
def test_import_npz_then_export_both_formats(tmp_path, mnist_sample, user):
    images, labels = mnist_sample
    write_npz(tmp_path / "in.npz", images, labels)
    call_command("import_dataset", str(tmp_path / "in.npz"), "--reviewer", "alice")
    assert Drawing.objects.filter(source="import", review_status__in=["confirmed", "relabeled"]).count() == 30
    assert sorted(Drawing.objects.values_list("label", flat=True)) == sorted(labels.tolist())
    assert Drawing.objects.filter(reviewed_by=user).count() == 30

    call_command("export_dataset", "--format", "npz", "--output", str(tmp_path / "out.npz"))
    exported, exported_labels = read_labelled(tmp_path / "out.npz")
    assert exported.shape == (30, 28, 28) and sorted(exported_labels.tolist()) == sorted(labels.tolist())
    with np.load(tmp_path / "out.npz") as data:
        assert data["held_out"].dtype == bool and data["images"].dtype == np.uint8

    call_command("export_dataset", "--format", "idx", "--output", str(tmp_path / "idx"))
    train = read_idx(tmp_path / "idx" / "digitsite-train-images-idx3-ubyte.gz")
    held = read_idx(tmp_path / "idx" / "digitsite-heldout-labels-idx1-ubyte.gz")
    assert train.shape[1:] == (28, 28) and len(train) + len(held) == 30


@pytest.mark.django_db
def test_import_png_folder(tmp_path):
    (tmp_path / "7").mkdir()
    (tmp_path / "7" / "a.png").write_bytes(seven_png())
    call_command("import_dataset", str(tmp_path))
    drawing = Drawing.objects.get()
    assert (drawing.label, drawing.review_status, drawing.predicted_digit) == (7, "confirmed", 7)


@pytest.mark.django_db
def test_import_is_all_or_nothing(tmp_path):
    from PIL import Image

    (tmp_path / "7").mkdir()
    (tmp_path / "7" / "good.png").write_bytes(seven_png())
    (tmp_path / "7" / "blank.png").write_bytes(png_bytes(Image.new("L", (50, 50), 255)))
    with pytest.raises(CommandError, match="blank.png"):
        call_command("import_dataset", str(tmp_path))
    assert not Drawing.objects.exists()


@pytest.mark.django_db
def test_import_rejects_bad_files(tmp_path):
    np.savez(tmp_path / "bad.npz", images=np.zeros((3, 10, 10)), labels=np.zeros(3))
    with pytest.raises(CommandError, match="28, 28"):
        call_command("import_dataset", str(tmp_path / "bad.npz"))
    np.savez(tmp_path / "labels.npz", images=np.zeros((1, 28, 28)), labels=np.array([12]))
    with pytest.raises(CommandError, match="digits"):
        call_command("import_dataset", str(tmp_path / "labels.npz"))
