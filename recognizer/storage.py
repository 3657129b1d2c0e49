"""The filesystem backend of the "models" storage (settings.STORAGES): MODEL_DIR, read when used."""

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage


class ModelDirStorage(FileSystemStorage):
    """FileSystemStorage rooted at settings.MODEL_DIR as it is now, not as it was when the storage
    was first built: a test or a local override that changes MODEL_DIR moves the storage with it."""

    @property
    def base_location(self):
        return str(settings.MODEL_DIR)

    @property
    def location(self):
        return os.path.abspath(self.base_location)
