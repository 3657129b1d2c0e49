"""{% load admin_numbers %}: `value|percent`, `value|ms`, `value|duration` (recognizer.formatting)."""

from django import template

from recognizer.formatting import duration_text, ms_text, percent_text

register = template.Library()
register.filter("percent", percent_text)
register.filter("ms", ms_text)
register.filter("duration", duration_text)
