"""Where the data sets are read from: one environment variable per folder (MNIST_DIR,
PENDIGITS_DIR), else the read-only shared copy beside the checkout (../shared/data/<name>) when it
exists, else var/<name>. Nothing is ever downloaded or copied into the repository.

The one place that says so: the Django settings, the ml command line, the benches and the tests
all ask here."""

import os
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent
SHARED_DATA = REPOSITORY.parent / "shared" / "data"


def data_dir(variable: str, name: str) -> Path:
    """The folder of data set `name` ("mnist", "pendigits"): `$variable` if set, else the shared copy."""
    configured = os.environ.get(variable)
    if configured:
        return Path(configured)
    shared = SHARED_DATA / name
    return shared if shared.exists() else REPOSITORY / "var" / name


def mnist_dir() -> Path:
    return data_dir("MNIST_DIR", "mnist")


def pendigits_dir() -> Path:
    return data_dir("PENDIGITS_DIR", "pendigits")
