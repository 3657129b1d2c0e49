"""Plain helpers shared by tests and benches (no Django, no fixtures: those are conftest.py's).
Test modules import from here, never from one another."""

import json
import shutil
import socket
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

# The model committed with the code, registered and active after migrate. settings.SHIPPED_MODEL_DIR
# names the same directory (tests/recognizer/test_model_serving.py checks they agree); this copy
# lets the ml tests find it without Django.
SHIPPED_MODEL_DIR = REPO / "models" / "digitsite-v5"
SHIPPED = SHIPPED_MODEL_DIR.name


def free_port() -> int:
    """A TCP port on 127.0.0.1 nothing listens on (for a server a test starts itself)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ModelDir:
    """A MODEL_DIR in a temporary folder, holding the shipped model, with copies on demand."""

    def __init__(self, settings, path):
        self.settings, self.path = settings, path
        settings.MODEL_DIR = path
        shutil.copytree(settings.SHIPPED_MODEL_DIR, path / settings.SHIPPED_MODEL_DIR.name)

    def copy(self, name: str, accuracy: float | None = None):
        """A copy of the shipped artifact named `name` (optionally claiming another MNIST accuracy)."""
        shutil.copytree(self.settings.SHIPPED_MODEL_DIR, self.path / name)
        metadata = json.loads((self.path / name / "metadata.json").read_text())
        metadata["name"] = name
        if accuracy is not None:
            metadata["metrics"]["mnist_test"]["accuracy"] = accuracy
        (self.path / name / "metadata.json").write_text(json.dumps(metadata))
        return self.path / name
