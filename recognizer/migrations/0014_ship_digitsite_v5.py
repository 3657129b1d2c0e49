"""Serve digitsite-v5 (v4's recipe plus MNIST's training digits redrawn through the page's own
canvas pipeline: see models/digitsite-v5/MODEL_CARD.md), named here by its folder.

It is the first model that reads real writers and passes the release rule against digitsite-v3
(at most 0.2 points lost on MNIST test and canvas-style; ml/gate.py): a site still serving a
shipped model switches to it, audited; a version staff promoted keeps serving."""

import importlib

from django.db import migrations

ship = importlib.import_module("recognizer.migrations.0006_ship_canvas_style_model").ship_model

ARTIFACT = "digitsite-v5"


def ship_model(apps, schema_editor):
    ship(apps, ARTIFACT, "shipped with the code: reads real writers, says when it is not a digit",
         trained_on="MNIST (and its canvas redraws) + real writers (pendigits) + generated non-digits")


class Migration(migrations.Migration):
    dependencies = [("recognizer", "0013_trainingjob_config_help")]
    operations = [migrations.RunPython(ship_model, migrations.RunPython.noop)]
