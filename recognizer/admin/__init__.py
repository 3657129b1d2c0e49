"""The Django admin: review drawings, run training jobs, manage model versions."""

from recognizer.admin import drawings, model_versions, training_jobs  # noqa: F401 (registers)

from django.contrib import admin  # noqa: E402

from recognizer.auth import AdminLoginForm  # noqa: E402

admin.site.login_form = AdminLoginForm  # the admin's login shares the site's log-in limit
