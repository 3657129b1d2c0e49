"""Exit 0 if a service answers: `wait_for.py redis [URL]` or `wait_for.py postgres URL`.

Without a URL, Redis is looked up in Django settings (REDIS_URL)."""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from recognizer.broker import redis_ping  # noqa: E402  (plain Python: no Django set up here)


def main() -> int:
    service = sys.argv[1]
    url = sys.argv[2] if len(sys.argv) > 2 else None
    try:
        if service == "redis":
            if url is None:
                os.environ.setdefault("DJANGO_SETTINGS_MODULE", "digitsite.settings")
                from django.conf import settings

                url = settings.REDIS_URL
            redis_ping(url, timeout=2)
        elif service == "postgres":
            import psycopg

            psycopg.connect(url, connect_timeout=3).close()
        else:
            print(f"unknown service {service}", file=sys.stderr)
            return 2
    except Exception as exc:  # any failure means "not answering"
        print(f"{service} not reachable: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
