from django.contrib import admin
from django.urls import include, path

from recognizer import views
from recognizer.api import api

urlpatterns = [
    path("admin/login/", views.admin_login),  # the admin's own login view, answering 429 when limited
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("", include("recognizer.urls")),  # first: its accounts/login/ is the rate-limited one
    path("accounts/", include("django.contrib.auth.urls")),
]

handler500 = "recognizer.middleware.server_error"  # database errors stay 503 (or 400), JSON paths stay JSON
