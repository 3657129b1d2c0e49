"""Rate limits per client IP and per signed-in user (per username for log-ins), counted by
django-ratelimit in Django's cache.

Limits are settings (RATE_LIMITS: scope -> "N/s|m|h"). With the default local-memory cache each
web process counts on its own; set CACHE_URL to a shared Redis to count across processes.

The limits fail open: if the cache cannot be reached the request goes through uncounted (logged,
and counted in /healthz), because a rate-limit store must never take the site down. django-ratelimit's
own RATELIMIT_FAIL_OPEN does not cover this: Django's Redis backend raises on a refused
connection instead of returning None, so the error is caught here.
"""

import ipaddress
import logging
import threading
import time
from functools import wraps

import redis
from django.conf import settings
from django.core.cache import caches
from django.http import JsonResponse
from django_ratelimit.core import get_usage

logger = logging.getLogger(__name__)

# Errors that mean "the cache is unreachable", not a bug: a refused or timed-out connection.
CACHE_ERRORS = (redis.RedisError, OSError)
LOG_EVERY_SECONDS = 10  # during an outage, one warning per process this often, not one per request
# After a failure the cache is left alone this long: a Redis that is unreachable by timeout (not
# refused) would otherwise add its connect timeout to every request of the outage.
RETRY_CACHE_AFTER_SECONDS = 5


class _FailOpenCounter:
    """How often this process let a request through because the cache was down (for /healthz),
    and until when it does so without asking the cache again."""

    def __init__(self):
        self.lock = threading.Lock()
        self.count = 0
        self.skip_cache_until = 0.0
        self.last_logged = 0.0

    def reset(self) -> None:
        """Forget the outage (tests; a fresh process starts like this)."""
        with self.lock:
            self.count, self.skip_cache_until, self.last_logged = 0, 0.0, 0.0

    def cache_is_resting(self) -> bool:
        return time.monotonic() < self.skip_cache_until

    def record(self, scope: str, exc: Exception | None) -> None:
        now = time.monotonic()
        with self.lock:
            self.count += 1
            if exc is not None:
                self.skip_cache_until = now + RETRY_CACHE_AFTER_SECONDS
            log = exc is not None and now - self.last_logged >= LOG_EVERY_SECONDS
            if log:
                self.last_logged = now
            count = self.count
        if log:
            logger.warning("rate-limit cache unavailable, %s request let through (%d so far in this process; "
                           "next try in %d s): %s", scope, count, RETRY_CACHE_AFTER_SECONDS, exc)


fail_open = _FailOpenCounter()


def client_ip(request) -> str:
    """The client's address: REMOTE_ADDR, or behind TRUSTED_PROXY_COUNT reverse proxies that each
    append the address they were connected from to X-Forwarded-For, the entry the outermost of
    them appended (counted from the right, as Django REST framework's NUM_PROXIES). Entries to
    its left came from the client and can be anything, so they are never used."""
    remote = request.META.get("REMOTE_ADDR") or "unknown"
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if not forwarded:
        return remote
    candidate = forwarded[-min(proxies, len(forwarded))]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:  # not an address: a proxy would not write that
        return remote


def _identity_key(identity: str):
    return lambda group, request: identity


def retry_after(request, scope: str, *, identities: list[str] | None = None) -> int | None:
    """Count this request against `scope`; seconds to wait if it is over the limit, else None.

    By default it counts against the client IP and, when signed in, the user; every identity
    has its own counter and the request is refused if any is over."""
    if identities is None:
        identities = [f"ip:{client_ip(request)}"]
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            identities.append(f"user:{user.pk}")
    if fail_open.cache_is_resting():
        fail_open.record(scope, None)
        return None  # fail open: see the module docstring
    waits = []
    for identity in identities:
        try:
            usage = get_usage(request, group=f"digitsite.{scope}", key=_identity_key(identity),
                              rate=settings.RATE_LIMITS[scope], increment=True)
        except CACHE_ERRORS as exc:
            fail_open.record(scope, exc)
            return None  # fail open: see the module docstring
        if usage is not None and usage["should_limit"]:
            waits.append(max(1, usage["time_left"]))
    return max(waits) if waits else None


def login_retry_after(request, username: str | None) -> int | None:
    """One limit for every way of logging in: per client IP and per username tried."""
    identities = [f"ip:{client_ip(request)}"]
    if username:
        identities.append(f"username:{username.strip().casefold()}")
    return retry_after(request, "login", identities=identities)


def password_reset_retry_after(request, email: str | None) -> int | None:
    identities = [f"ip:{client_ip(request)}"]
    if email:
        identities.append(f"email:{email.strip().casefold()}")
    return retry_after(request, "password_reset", identities=identities)


def cache_health() -> dict:
    """Whether the rate-limit cache answers, and how many requests this process let through
    uncounted because it did not. Details of the failure go to the log, not to the public."""
    result = {"ok": True, "fail_open_requests": fail_open.count}
    try:
        caches["default"].get("digitsite:health")
    except CACHE_ERRORS as exc:
        logger.warning("rate-limit cache health check failed: %s", exc)
        result.update(ok=False, error="the rate-limit cache is unreachable; limits are not enforced")
    return result


def too_many(seconds: int) -> JsonResponse:
    response = JsonResponse({"error": f"too many requests: try again in {seconds} s"}, status=429)
    response["Retry-After"] = str(seconds)
    return response


def rate_limited(scope: str, methods=("POST",)):
    """A view decorator: over the limit -> 429 JSON with Retry-After."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method in methods:
                seconds = retry_after(request, scope)
                if seconds is not None:
                    return too_many(seconds)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
