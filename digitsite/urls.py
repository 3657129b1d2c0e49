from django.contrib import admin
from django.urls import include, path

from recognizer.api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("", include("recognizer.urls")),  # first: its accounts/login/ is the rate-limited one
    path("accounts/", include("django.contrib.auth.urls")),
]
