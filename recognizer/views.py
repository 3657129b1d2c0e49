"""Pages, images and the original app's /guess endpoint. The JSON API is in api.py."""

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import login
from django.contrib.auth.views import LoginView, PasswordResetView
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.paginator import Paginator
from django.db import DatabaseError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.views.decorators.csrf import csrf_exempt, ensure_csrf_cookie
from django.views.decorators.http import require_GET
from django.views.generic import RedirectView

from ml.preprocess import PreprocessError, array_to_png
from recognizer.auth import LoginForm
from recognizer.errors import error_message, error_status
from recognizer.forms import SignupForm
from recognizer.models import Drawing
from recognizer.ratelimit import password_reset_retry_after, rate_limited, retry_after
from recognizer.selectors import (
    drawing_get_for_visitor,
    drawing_list_for_visitor,
    drawing_stats_for_visitor,
    model_version_get_active,
)
from recognizer.health import health_all, health_database
from recognizer.services.drawings import drawing_create_with_prediction
from recognizer.services.predictors import ModelUnavailable
from recognizer.visitors import visitor_id_ensure, visitor_id_get


@require_GET
@ensure_csrf_cookie
def canvas(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        # The page's session exists before its first drawing, so drawings sent at once (several
        # pen-ups in flight) all carry one cookie and belong to one visitor.
        visitor_id_ensure(request)
    return render(request, "recognizer/canvas.html", {"model_version": model_version_get_active()})


@require_GET
def drawing_list(request: HttpRequest) -> HttpResponse:
    visitor_id = visitor_id_get(request)
    drawings = drawing_list_for_visitor(user=request.user, visitor_id=visitor_id)
    page = Paginator(drawings, settings.DRAWINGS_PER_PAGE).get_page(request.GET.get("page"))
    stats = drawing_stats_for_visitor(user=request.user, visitor_id=visitor_id)
    return render(request, "recognizer/drawing_list.html", {"page": page, "stats": stats})


def _drawing_for_request(request: HttpRequest, drawing_id) -> Drawing:
    if request.user.is_staff and request.user.has_perm("recognizer.view_drawing"):
        drawing = Drawing.objects.filter(pk=drawing_id).first()
    else:
        try:
            drawing = drawing_get_for_visitor(
                drawing_id=drawing_id, user=request.user, visitor_id=visitor_id_get(request)
            )
        except Drawing.DoesNotExist:
            drawing = None
    if drawing is None:
        raise Http404("no such drawing")
    return drawing


def _png(content: bytes) -> HttpResponse:
    response = HttpResponse(bytes(content), content_type="image/png")
    response["Cache-Control"] = "private, max-age=86400"  # drawings never change
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
def drawing_image(request: HttpRequest, drawing_id) -> HttpResponse:
    """The PNG exactly as the user's canvas sent it."""
    return _png(_drawing_for_request(request, drawing_id).image_png)


@require_GET
def drawing_input_image(request: HttpRequest, drawing_id) -> HttpResponse:
    """The 28x28 image the model saw."""
    return _png(array_to_png(_drawing_for_request(request, drawing_id).pixels_array()))


def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("canvas")
    form = SignupForm(request.POST or None)
    if request.method == "POST":
        wait = retry_after(request, "signup")
        if wait is not None:
            form.is_valid()  # bind, so the page shows what was typed
            form.add_error(None, f"Too many sign-ups from here: try again in {wait // 60 + 1} minutes.")
            response = render(request, "registration/signup.html", {"form": form}, status=429)
            response["Retry-After"] = str(wait)
            return response
        if form.is_valid():
            user = form.save()
            login(request, user)
            return redirect("canvas")
    return render(request, "registration/signup.html", {"form": form})


class RateLimitedLoginView(LoginView):
    """Django's login; attempts are limited per IP and per username in the authentication
    backend (recognizer/auth.py), and a refused attempt answers 429 with the form error."""

    authentication_form = LoginForm

    def form_invalid(self, form):
        return _with_login_limit(self.request, super().form_invalid(form))


def _with_login_limit(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    wait = getattr(request, "login_retry_after", None)
    if wait is not None:
        response.status_code = 429
        response["Retry-After"] = str(wait)
    return response


def admin_login(request: HttpRequest) -> HttpResponse:
    """The admin's own login (its form shares the site's limit), answering 429 when refused."""
    return _with_login_limit(request, admin.site.login(request))


class RateLimitedPasswordResetView(PasswordResetView):
    """Django's password reset, limited per IP and per address asked for: each request can send an email."""

    def post(self, request, *args, **kwargs):
        wait = password_reset_retry_after(request, request.POST.get("email"))
        if wait is None:
            return super().post(request, *args, **kwargs)
        form = self.get_form()
        form.is_valid()
        form.add_error(None, f"Too many password reset requests: try again in {wait // 60 + 1} minutes.")
        response = self.render_to_response(self.get_context_data(form=form), status=429)
        response["Retry-After"] = str(wait)
        return response


@csrf_exempt  # the original client posts a plain form without a token; it stores nothing tied to anyone
@rate_limited("guess")
def guess(request: HttpRequest) -> JsonResponse:
    """The original Flask app's endpoint: form field imgURL (PNG data URL) -> {"message": digit}."""
    if request.method != "POST":
        response = JsonResponse({"error": "use POST with form field imgURL"}, status=405)
        response["Allow"] = "POST"
        return response
    try:
        image = request.POST.get("imgURL")
    except RequestDataTooBig:
        return JsonResponse({"error": "request body too large"}, status=413)
    except (TooManyFieldsSent, TooManyFilesSent, MultiPartParserError, UnreadablePostError) as exc:
        # Django would answer these with its HTML 400 page; this endpoint speaks JSON.
        return JsonResponse({"error": f"the form body could not be read: {exc}"}, status=400)
    if not image:
        return JsonResponse({"error": "form field imgURL (a PNG data URL) is required"}, status=400)
    try:
        drawing, _ = drawing_create_with_prediction(image=image, source=Drawing.Source.GUESS)
    except (PreprocessError, ModelUnavailable) as exc:
        return JsonResponse({"error": error_message(exc)}, status=error_status(exc))
    prediction = drawing.prediction
    request.model_version = prediction.model_version.name
    return JsonResponse({"message": prediction.digit})


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Database, Redis, the model and the rate-limit cache. 503 when predictions cannot be served
    (database or model down); 200 "degraded" when they can but something is wrong (Redis down:
    no training jobs; the rate-limit cache down: limits not enforced; the active model refused
    and an older one still serving). Failure details are shown to staff only."""
    database = health_database()
    checks = health_all(for_staff=database["ok"] and _is_staff(request), database=database)
    serving = checks["database"]["ok"] and checks["model"]["ok"]
    status = "ok" if all(check["ok"] and not check.get("warning") for check in checks.values()) else (
        "degraded" if serving else "down")
    request.model_version = checks["model"].get("serving")
    return JsonResponse({"status": status, "checks": checks}, status=200 if serving else 503)


def _is_staff(request: HttpRequest) -> bool:
    try:
        return request.user.is_staff  # reads the session and the user: only once the database answers
    except DatabaseError:
        return False


class FaviconRedirect(RedirectView):
    """Browsers and tools ask for /favicon.ico whatever the page links; the icon lives in static/."""

    permanent = True

    def get_redirect_url(self, *args, **kwargs):
        return static("favicon.ico")
