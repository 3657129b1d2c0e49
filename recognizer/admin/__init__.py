"""The Django admin: review drawings, run training jobs, manage model versions."""

from recognizer.admin import drawings, model_versions, training_jobs  # noqa: F401 (registers)
