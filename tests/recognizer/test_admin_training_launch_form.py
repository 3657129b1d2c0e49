"""The launch form shows the shipped recipe's real defaults, and accepts only configurations
that can run on the data there is (issue 20, item 6)."""

import dataclasses
import re

import pytest
from django.urls import reverse

from ml.config import FINE_TUNE, TrainConfig, options
from recognizer.admin.forms import FineTuneLaunchForm, TrainingJobLaunchForm
from recognizer.models import TrainingJob
from recognizer.services.drawings import drawing_create_with_prediction
from recognizer.services.reviews import drawing_review_label
from recognizer.services.training import training_job_create
from tests.canvases import seven_png

LAUNCH = reverse("admin:recognizer_trainingjob_launch")


@pytest.fixture
def admin_client(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("root", password="x-long-password-9"))
    return client


def page_values(page: str) -> dict:
    """What a person submitting the launch form unchanged would send: text inputs, checked boxes,
    selected options (of that form only: the page also holds the fine-tune form)."""
    page = page.split('id="launch-training"', 1)[1].split("</form>", 1)[0]
    values = {}
    for tag in re.findall(r"<input [^>]*>", page):
        name = re.search(r'name="([^"]+)"', tag)
        if not name or name.group(1) == "csrfmiddlewaretoken":
            continue
        if 'type="checkbox"' in tag:
            if " checked" in tag:
                values[name.group(1)] = "on"
            continue
        value = re.search(r'value="([^"]*)"', tag)
        values[name.group(1)] = value.group(1) if value else ""
    for name, choices in re.findall(r'<select name="([^"]+)"[^>]*>(.*?)</select>', page, re.S):
        values[name] = re.search(r'<option value="([^"]+)" selected>', choices).group(1)
    return values


@pytest.mark.django_db
def test_the_form_shows_the_shipped_recipe_not_its_own_numbers(admin_client):
    shown = page_values(admin_client.get(LAUNCH).content.decode())
    recipe = dataclasses.asdict(TrainConfig())
    for name in TrainingJobLaunchForm.CONFIG_FIELDS:
        default = recipe[name]
        if isinstance(default, bool):
            assert (shown.get(name) == "on") is default, name
        elif default is None:
            assert shown.get(name, "") == "", name
        else:
            assert type(default)(shown[name]) == default, name
    assert shown["validation_size"] == "0"


@pytest.mark.django_db
def test_the_suggested_quick_check_on_the_defaults_is_queued(admin_client, sent_tasks, django_capture_on_commit_callbacks):
    page = admin_client.get(LAUNCH).content.decode()
    assert "1 epoch, train limit 2000" in page  # the page's own suggestion
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(LAUNCH, {**page_values(page), "epochs": "1", "train_limit": "2000"})
    job = TrainingJob.objects.get()
    assert response.status_code == 302 and sent_tasks == [[job.pk]]
    assert job.config == {**TrainConfig().to_dict(), "epochs": 1, "train_limit": 2000}


@pytest.mark.django_db
@pytest.mark.parametrize("validation_size, accepted", [(999, True), (1000, False), (5000, False)])
def test_validation_size_is_checked_against_the_training_data(admin_client, sent_tasks, validation_size, accepted):
    """ml.train refuses a validation set of half the training data or more, after loading it."""
    page = admin_client.get(LAUNCH).content.decode()
    response = admin_client.post(LAUNCH, {**page_values(page), "epochs": "1", "train_limit": "2000",
                                          "validation_size": str(validation_size)})
    assert TrainingJob.objects.exists() is accepted
    if not accepted:
        assert response.status_code == 200
        assert "validation_size must be less than half the training data: 2000 examples here, so at most 999" in \
            response.content.decode()


@pytest.mark.django_db
def test_user_drawings_alone_are_counted_train_part_only(admin_client, user, sent_tasks):
    page = page_values(admin_client.get(LAUNCH).content.decode())
    user_only = {**page, "use_mnist": "", "include_user_drawings": "on", "epochs": "1"}
    del user_only["use_mnist"]
    response = admin_client.post(LAUNCH, user_only)
    assert "no reviewed user drawings" in response.content.decode() and not TrainingJob.objects.exists()

    from recognizer.selectors import drawing_is_held_out, training_data_count

    drawings = [drawing_create_with_prediction(image=seven_png(), owner=user)[0] for _ in range(12)]
    for drawing in drawings:
        drawing_review_label(drawing=drawing, reviewed_by=user, label=7)
    trained_on = sum(not drawing_is_held_out(d.pk) for d in drawings)
    assert training_data_count(use_mnist=False, train_limit=None, include_user_drawings=True) == trained_on
    assert training_data_count(use_mnist=True, train_limit=500, include_user_drawings=True) == 500 + trained_on
    response = admin_client.post(LAUNCH, {**user_only, "validation_size": str(trained_on // 2)})
    assert "must be less than half" in response.content.decode() and not TrainingJob.objects.exists()


@pytest.mark.django_db
def test_retry_and_other_callers_get_the_same_check(user, sent_tasks):
    with pytest.raises(ValueError, match="less than half the training data"):
        training_job_create(requested_by=user, config={"train_limit": 200, "validation_size": 100})
    assert not TrainingJob.objects.exists()


@pytest.mark.django_db
def test_missing_mnist_is_a_form_error_not_a_500(admin_client, sent_tasks, settings, tmp_path):
    settings.MNIST_DIR = tmp_path  # no MNIST files there
    page = admin_client.get(LAUNCH).content.decode()
    response = admin_client.post(LAUNCH, {**page_values(page), "epochs": "1"})
    assert response.status_code == 200 and "the training data cannot be read" in response.content.decode()
    assert not TrainingJob.objects.exists()


@pytest.mark.parametrize("form_class", [TrainingJobLaunchForm, FineTuneLaunchForm])
def test_the_forms_recipe_fields_are_generated_from_ml_config(form_class):
    """Bounds, choices, help and defaults are ml.config's: the form states none of them itself."""
    form = form_class()
    for spec in options(form_class.CONFIG_FIELDS):
        field = form.fields[spec.name]
        assert field.help_text == spec.option.help, spec.name
        assert field.initial == form_class.CONFIG_INITIAL.get(spec.name, spec.default), spec.name
        if spec.option.choices:
            assert [value for value, _ in field.choices] == list(spec.option.choices)
        elif spec.kind in (int, float):
            assert (getattr(field, "min_value", None), getattr(field, "max_value", None)) == \
                (spec.option.minimum, spec.option.maximum), spec.name
            assert field.required is (spec.default is not None), spec.name
    assert FineTuneLaunchForm().fields["replay_size"].initial == FINE_TUNE["replay_size"]


@pytest.mark.django_db
def test_a_value_out_of_the_configs_bounds_is_a_form_error(admin_client, sent_tasks):
    page = page_values(admin_client.get(LAUNCH).content.decode())
    response = admin_client.post(LAUNCH, {**page, "epochs": "201"})
    assert response.status_code == 200 and "less than or equal to 200" in response.content.decode()
    assert not TrainingJob.objects.exists()
