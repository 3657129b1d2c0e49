"""Log-in attempts are rate limited in the authentication backend, so every login form (the
site's, the admin's, any added later) shares one limit per client IP and per username.

Over the limit, the backend refuses without checking the password (even a right one), and the
forms say why instead of "wrong password".

If the rate-limit cache is down the limit fails open like every other (recognizer/ratelimit.py):
a cache outage must not lock everyone out of their accounts. Authentication itself fails closed:
without the database nobody logs in."""

from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import PermissionDenied, ValidationError

from recognizer.ratelimit import login_retry_after


class RateLimitedModelBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is not None:  # no request: a management command or test, not a login form
            wait = login_retry_after(request, username or kwargs.get(get_user_model().USERNAME_FIELD))
            if wait is not None:
                request.login_retry_after = wait
                raise PermissionDenied  # authenticate() stops here: no other backend is tried
        return super().authenticate(request, username=username, password=password, **kwargs)


class RateLimitedFormMixin:
    def get_invalid_login_error(self):
        wait = getattr(self.request, "login_retry_after", None)
        if wait is not None:
            return ValidationError(f"Too many log-in attempts: try again in {wait} seconds.", code="rate_limited")
        return super().get_invalid_login_error()


class LoginForm(RateLimitedFormMixin, AuthenticationForm):
    pass


class AdminLoginForm(RateLimitedFormMixin, AdminAuthenticationForm):
    pass
