"""The Celery app. Settings come from Django settings (CELERY_*); tasks from each app's tasks.py."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "digitsite.settings")

app = Celery("digitsite")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
