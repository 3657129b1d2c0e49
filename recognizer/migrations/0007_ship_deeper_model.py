"""Serve digitsite-v3 (settings.SHIPPED_MODEL_DIR: the deeper network of the 5-minute recipe,
99.57 % MNIST, 99.06 % canvas-style) on a site that still serves a shipped model. The same step
as 0006: a version staff promoted keeps serving, and the new one is registered, ready to promote."""

import importlib

from django.db import migrations

ship_model = importlib.import_module("recognizer.migrations.0006_ship_canvas_style_model").ship_model


class Migration(migrations.Migration):
    dependencies = [("recognizer", "0006_ship_canvas_style_model")]
    operations = [migrations.RunPython(ship_model, migrations.RunPython.noop)]
