"""The learning loop: jobs know what triggered them (one automatic job pending at most), versions
keep their gate comparison, and promotions say whether the loop made them."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("recognizer", "0009_drawing_strokes_and_updates")]

    operations = [
        migrations.AddField(
            model_name="trainingjob",
            name="trigger",
            field=models.CharField(
                choices=[("staff", "Staff (admin or manage.py)"), ("reviews", "New reviewed drawings (automatic)")],
                default="staff", max_length=16,
            ),
        ),
        migrations.AddConstraint(
            model_name="trainingjob",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status__in", ["queued", "running"]), ("trigger", "reviews")),
                fields=("trigger",), name="one_pending_triggered_job",
            ),
        ),
        migrations.AddField(
            model_name="modelversion",
            name="gate",
            field=models.JSONField(blank=True, default=dict,
                                   help_text="ml.gate's comparison with its parent on the same sets: figures and verdict"),
        ),
        migrations.AddField(
            model_name="modelversionchange",
            name="automatic",
            field=models.BooleanField(default=False, help_text="promoted by the retraining loop (RETRAIN_AUTO_PROMOTE)"),
        ),
    ]
