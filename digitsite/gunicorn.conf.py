"""gunicorn's configuration for the site: `gunicorn -c digitsite/gunicorn.conf.py digitsite.wsgi`.

Threaded workers, so a slow client cannot take a whole worker. A sync worker serves one
connection at a time from its first byte to its last: two clients that send a request body a
byte a second hold both of a 2-core machine's workers, and /healthz waits behind them
(tests/recognizer/test_slow_clients.py measures it). A gthread worker reads each request in one
of its threads, and parks a connection that has sent nothing for a few seconds back in its main
loop; a slow client holds at most one thread. So WEB_CONCURRENCY x GUNICORN_THREADS - 1 slow
clients still leave a thread for everyone else: enough for a few, not for a real slowloris
attack. In production put a buffering proxy (nginx, a cloud load balancer) in front: it reads
the whole request before it passes it on, so gunicorn only ever sees complete requests.

`reuse_port` gives each worker its own listening socket, so the kernel spreads connections over
the workers; without it a gthread worker's main thread keeps accepting while its threads work
and long-lived keep-alive connections pile onto one worker (bench/server.py; docs/benchmarks.md, "Scaling
notes": with reuse-port, throughput was within noise of sync workers).

Read from the environment: HOST and PORT (the address to bind), WEB_CONCURRENCY (worker
processes; one per core), GUNICORN_THREADS (threads per worker).
"""

import os

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
reuse_port = True
keepalive = 5  # seconds an idle keep-alive connection stays open
timeout = 30  # a worker silent this long (stuck in a request) is restarted
graceful_timeout = 30
# Bounded request lines and headers (gunicorn's defaults, stated): a client cannot make a
# thread buffer an endless header.
limit_request_line = 4094
limit_request_fields = 100
limit_request_field_size = 8190
# gunicorn's control socket defaults to one path per user ($HOME/.gunicorn/gunicorn.ctl), shared by
# every gunicorn on the machine (the benches, the tests' servers, a second site); nothing here uses it.
control_socket_disable = True
