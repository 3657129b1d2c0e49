"""Fixed-window rate limits per client IP and per signed-in user, kept in Django's cache.

Limits are settings (RATE_LIMITS: scope -> "N/s|m|h"). With the default local-memory cache each
web process counts on its own; set CACHE_URL to a shared Redis to count across processes.
"""

import time
from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import JsonResponse

PERIODS = {"s": 1, "m": 60, "h": 3600}


@dataclass(frozen=True)
class Limit:
    count: int
    seconds: int

    @classmethod
    def parse(cls, text: str) -> "Limit":
        count, _, period = text.partition("/")
        return cls(int(count), PERIODS[period])


def client_ip(request) -> str:
    # Behind a proxy that sets X-Forwarded-For, trust it only when configured to.
    if settings.TRUST_X_FORWARDED_FOR:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return request.META.get("REMOTE_ADDR", "unknown")


def retry_after(request, scope: str) -> int | None:
    """Count this request against `scope`; seconds to wait if it is over the limit, else None."""
    limit = Limit.parse(settings.RATE_LIMITS[scope])
    window = int(time.time() // limit.seconds)
    identities = [f"ip:{client_ip(request)}"]
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        identities.append(f"user:{user.pk}")
    over = False
    for identity in identities:
        key = f"ratelimit:{scope}:{identity}:{window}"
        cache.add(key, 0, timeout=limit.seconds + 1)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=limit.seconds + 1)
            count = 1
        over = over or count > limit.count
    if not over:
        return None
    return max(1, int(limit.seconds - time.time() % limit.seconds))


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
