"""The one check that the Redis broker answers. Plain Python (redis-py only, no Django), so
scripts/wait_for.py can import it before Django is set up; the training service and /healthz
call it with their own URL and timeout and turn its redis.RedisError into their own answer."""

import redis


def redis_ping(url: str, *, timeout: float) -> None:
    """Raise redis.RedisError (or ValueError for a malformed URL) unless Redis at `url` answers."""
    redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout).ping()
