"""Serve digitsite-v3 (the deeper network of the 5-minute recipe) on a site that still serves a
shipped model: the same step as 0006, for this release's artifact."""

import importlib

from django.db import migrations

ship_model = importlib.import_module("recognizer.migrations.0006_ship_canvas_style_model").ship_model


def ship_digitsite_v3(apps, schema_editor):
    ship_model(apps, "digitsite-v3", "shipped with the code: the deeper network (99.57 % MNIST, 99.06 % canvas-style)")


class Migration(migrations.Migration):
    dependencies = [("recognizer", "0006_ship_canvas_style_model")]
    operations = [migrations.RunPython(ship_digitsite_v3, migrations.RunPython.noop)]
