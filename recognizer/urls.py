from django.urls import path

from recognizer import views

urlpatterns = [
    path("", views.canvas, name="canvas"),
    path("drawings/", views.drawing_list, name="drawing-list"),
    path("drawings/<uuid:drawing_id>/image.png", views.drawing_image, name="drawing-image"),
    path("drawings/<uuid:drawing_id>/input.png", views.drawing_input_image, name="drawing-input-image"),
    path("accounts/signup/", views.signup, name="signup"),
    path("accounts/login/", views.RateLimitedLoginView.as_view(), name="login"),
    path("accounts/password_reset/", views.RateLimitedPasswordResetView.as_view(), name="password_reset"),
    path("guess", views.guess, name="guess"),
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.FaviconRedirect.as_view(), name="favicon"),
]
