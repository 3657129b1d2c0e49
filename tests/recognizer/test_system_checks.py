"""Django's system checks pass (runserver and migrate refuse to start otherwise)."""

import pytest
from django.core.management import call_command


def test_system_checks_pass():
    call_command("check", fail_level="WARNING")


@pytest.mark.django_db
def test_no_missing_migrations():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_settings_read_the_data_sets_where_ml_data_dirs_says():
    from django.conf import settings

    from ml.data_dirs import mnist_dir, pendigits_dir

    assert (settings.MNIST_DIR, settings.PENDIGITS_DIR) == (mnist_dir(), pendigits_dir())
