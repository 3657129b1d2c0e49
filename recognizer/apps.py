from django.apps import AppConfig


class RecognizerConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "recognizer"
    verbose_name = "Digit recogniser"

    def ready(self):
        from recognizer import receivers  # noqa: F401 (connects them)
