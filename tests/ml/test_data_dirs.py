"""Where the data sets are read from: the environment variable, else the shared copy beside the
checkout, else var/; the settings ask the same function."""

from ml.data_dirs import REPOSITORY, SHARED_DATA, data_dir, mnist_dir, pendigits_dir


def test_the_environment_variable_names_the_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("MNIST_DIR", str(tmp_path / "m"))
    monkeypatch.setenv("PENDIGITS_DIR", str(tmp_path / "p"))
    assert (mnist_dir(), pendigits_dir()) == (tmp_path / "m", tmp_path / "p")


def test_without_it_the_shared_copy_is_read_in_place(monkeypatch):
    monkeypatch.delenv("MNIST_DIR", raising=False)
    monkeypatch.delenv("PENDIGITS_DIR", raising=False)
    for folder, name in ((mnist_dir(), "mnist"), (pendigits_dir(), "pendigits")):
        expected = SHARED_DATA / name if (SHARED_DATA / name).exists() else REPOSITORY / "var" / name
        assert folder == expected
        assert REPOSITORY not in folder.parents or folder.parent == REPOSITORY / "var"  # never a tracked folder


def test_a_data_set_with_no_shared_copy_falls_back_to_var(monkeypatch):
    monkeypatch.delenv("NO_SUCH_DIR", raising=False)
    assert data_dir("NO_SUCH_DIR", "no-such-data-set") == REPOSITORY / "var" / "no-such-data-set"
