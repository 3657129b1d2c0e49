"""Drawings stop storing session keys (a session key is a credential: anyone who read one in the
admin could act as that visitor or user). An anonymous drawing now names an opaque visitor id kept
in its browser's session data (recognizer/visitors.py).

Existing rows: a signed-in user's drawing keeps no link to a session at all; each anonymous
visitor's drawings get a new random id in place of the key, and a session that still exists gets
that id written into its data, so its browser keeps seeing its drawings. No stored value is a
session key afterwards. (Operators should still flush sessions after upgrading: the old keys were
readable in the admin until now; see docs/operations.md.)"""

import secrets
from importlib import import_module

from django.conf import settings
from django.db import migrations, models

SESSION_FIELD = "visitor_id"  # recognizer.visitors.SESSION_FIELD, as it was when this was written


def session_keys_to_visitor_ids(apps, schema_editor):
    Drawing = apps.get_model("recognizer", "Drawing")
    Drawing.objects.filter(owner__isnull=False).exclude(visitor_id="").update(visitor_id="")
    session_store = import_module(settings.SESSION_ENGINE).SessionStore
    session_keys = list(Drawing.objects.exclude(visitor_id="").values_list("visitor_id", flat=True).distinct())
    for session_key in session_keys:
        visitor_id = secrets.token_hex(16)
        Drawing.objects.filter(owner__isnull=True, visitor_id=session_key).update(visitor_id=visitor_id)
        session = session_store(session_key=session_key)
        if session.exists(session_key):
            session[SESSION_FIELD] = visitor_id
            session.save()


class Migration(migrations.Migration):
    dependencies = [("recognizer", "0007_ship_deeper_model"), ("sessions", "0001_initial")]
    operations = [
        migrations.RenameField("drawing", "session_key", "visitor_id"),
        migrations.AlterField("drawing", "visitor_id", models.CharField(blank=True, db_index=True, max_length=64)),
        migrations.RunPython(session_keys_to_visitor_ids, migrations.RunPython.noop),
    ]
