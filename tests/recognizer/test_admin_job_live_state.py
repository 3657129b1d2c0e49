"""A job's pages show status, bar and duration from one reading (TrainingJob.progress_json), and
every part the live refresh updates is marked for it (issue 20, item 4)."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from recognizer.formatting import duration_text
from recognizer.models import TrainingJob


@pytest.fixture
def admin_client(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("root", password="x-long-password-9"))
    return client


def live_fields(page: str, job: TrainingJob) -> dict:
    return dict(re.findall(rf'data-job-id="{job.pk}" data-job-field="(\w+)">([^<]*)<', page))


@pytest.mark.parametrize("seconds, text", [(None, "—"), (0.4, "0 s"), (59.9, "59 s"), (65, "1 min 05 s"),
                                           (3725, "1 h 02 min")])
def test_durations_read_like_a_person_wrote_them(seconds, text):
    assert duration_text(seconds) == text


@pytest.mark.django_db
def test_a_running_job_shows_its_real_duration_and_status_everywhere(admin_client):
    job = TrainingJob.objects.create(config={"epochs": 1}, status="running", started_at=timezone.now() - timedelta(seconds=65),
                                     heartbeat_at=timezone.now() - timedelta(seconds=12),
                                     progress={"stage": "training", "epoch": 1, "epochs": 1, "percent": 75.0})
    live = job.progress_json()
    # Seconds pass while a loaded test machine renders: allow a few.
    duration, heartbeat = re.compile(r"1 min 0[5-9] s"), re.compile(r"1[2-6] s ago")
    assert duration.fullmatch(live["duration"]) and heartbeat.fullmatch(live["heartbeat"])
    assert live["status_display"] == "Running"

    listing = admin_client.get(reverse("admin:recognizer_trainingjob_changelist")).content.decode()
    shown = live_fields(listing, job)
    assert set(shown) == {"status", "duration"} and shown["status"] == "Running" and duration.fullmatch(shown["duration"])
    page = admin_client.get(reverse("admin:recognizer_trainingjob_change", args=[job.pk])).content.decode()
    shown = live_fields(page, job)
    assert set(shown) == {"status", "duration", "heartbeat"} and shown["status"] == "Running"
    assert duration.fullmatch(shown["duration"]) and heartbeat.fullmatch(shown["heartbeat"])
    assert "epoch 1/1 · 75%" in page and 'data-reload-on-status-change="1"' in page
    # The static fieldset below no longer repeats what changes live (it went stale while the job ran).
    assert "field-status" not in page and "field-heartbeat_at" not in page


@pytest.mark.django_db
def test_a_finished_job_duration_is_start_to_end(admin_client):
    start = timezone.now() - timedelta(hours=2)
    job = TrainingJob.objects.create(config={"epochs": 1}, status="succeeded", started_at=start,
                                     finished_at=start + timedelta(seconds=429))
    assert job.progress_json()["duration"] == "7 min 09 s"
    queued = TrainingJob.objects.create(config={"epochs": 1})
    assert queued.progress_json()["duration"] == "—"
