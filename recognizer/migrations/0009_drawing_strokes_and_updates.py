"""A drawing is updated in place at each pen-up (its strokes, sequence, history of predictions
with the final one marked) and can be withdrawn. Existing predictions: the latest of each drawing
is its final one (a drawing had one answer per stored request until now)."""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def only_the_latest_prediction_is_final(apps, schema_editor):
    Prediction = apps.get_model("recognizer", "Prediction")
    latest = Prediction.objects.filter(drawing=OuterRef("drawing")).order_by("-created_at", "-id").values("id")[:1]
    Prediction.objects.annotate(latest_id=Subquery(latest)).exclude(id=models.F("latest_id")).update(is_final=False)


class Migration(migrations.Migration):

    dependencies = [
        ('recognizer', '0008_drawing_visitor_id'),
    ]

    operations = [
        migrations.AddField(
            model_name='drawing',
            name='sequence',
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='drawing',
            name='strokes',
            field=models.JSONField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='drawing',
            name='updated_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='drawing',
            name='withdrawn_at',
            field=models.DateTimeField(blank=True, db_index=True, null=True),
        ),
        migrations.AddField(
            model_name='prediction',
            name='is_final',
            field=models.BooleanField(default=True),
        ),
        migrations.AddField(
            model_name='prediction',
            name='stroke_count',
            field=models.PositiveSmallIntegerField(blank=True, help_text='strokes drawn when asked', null=True),
        ),
        migrations.RunPython(only_the_latest_prediction_is_final, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='prediction',
            constraint=models.UniqueConstraint(condition=models.Q(('is_final', True)), fields=('drawing',), name='one_final_prediction_per_drawing'),
        ),
    ]
