"""Copy each drawing's first prediction onto it (for the review queue), and create the Reviewers
group: staff who may view and review drawings, and nothing else (no training, no promotion)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

REVIEWER_PERMISSIONS = ("view_drawing", "review_drawing", "view_labelchange", "view_modelversion")


def backfill_predictions(apps, schema_editor):
    Drawing = apps.get_model("recognizer", "Drawing")
    Prediction = apps.get_model("recognizer", "Prediction")
    for drawing in Drawing.objects.filter(predicted_digit__isnull=True).iterator():
        first = Prediction.objects.filter(drawing=drawing).order_by("created_at", "id").first()
        if first is not None:
            Drawing.objects.filter(pk=drawing.pk).update(predicted_digit=first.digit, confidence=first.confidence)


def create_reviewers_group(apps, schema_editor):
    # Permissions are normally created after all migrations; the group needs them now.
    app_config = apps.get_app_config("recognizer")
    app_config.models_module = True  # the migration state's stub lacks it; create_permissions needs it set
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Reviewers")
    group.permissions.set(Permission.objects.filter(content_type__app_label="recognizer", codename__in=REVIEWER_PERMISSIONS))


class Migration(migrations.Migration):
    dependencies = [("recognizer", "0004_review"), ("auth", "0012_alter_user_first_name_max_length")]
    operations = [
        migrations.RunPython(backfill_predictions, migrations.RunPython.noop),
        migrations.RunPython(create_reviewers_group, migrations.RunPython.noop),
    ]
