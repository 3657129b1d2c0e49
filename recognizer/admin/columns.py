"""List columns shared by the admin's lists."""

from django.contrib import admin

from recognizer.formatting import datetime_text


def datetime_column(field: str = "created_at", description: str = "created"):
    """A sortable column showing `field` as "2026-12-01 08:56": Django's "Dec. 1, 2026, 8:56 a.m."
    is the widest column of most lists, and pushed the last ones out of a 1,400-px window."""

    @admin.display(description=description, ordering=field)
    def column(self, obj):
        return datetime_text(getattr(obj, field))

    column.__name__ = f"{field}_column"
    return column
