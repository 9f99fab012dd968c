"""gunicorn settings for the catalog (`make run`, deploy/govcatalog-web.service).

Every value can be overridden from the environment (GOVCATALOG_*), so one file serves the
development machine and the system service.
"""
import multiprocessing
import os

bind = os.environ.get("GOVCATALOG_BIND", f"127.0.0.1:{os.environ.get('GOVCATALOG_PORT', '5000')}")
# Two processes per CPU plus one: CKAN requests wait on PostgreSQL much of the time.
workers = int(os.environ.get("GOVCATALOG_WORKERS", multiprocessing.cpu_count() * 2 + 1))
# Threads let a worker serve a second request while the first waits on the database.
threads = int(os.environ.get("GOVCATALOG_THREADS", "2"))
worker_class = "gthread"
# A request that takes longer than this is stuck: the worker is killed and replaced.
timeout = int(os.environ.get("GOVCATALOG_TIMEOUT", "60"))
# On reload (HUP) or stop (TERM), requests in flight get this long to finish.
graceful_timeout = int(os.environ.get("GOVCATALOG_GRACEFUL_TIMEOUT", "30"))
keepalive = 5
# Replace workers now and then, so that a slow leak never grows without bound.
max_requests = int(os.environ.get("GOVCATALOG_MAX_REQUESTS", "2000"))
max_requests_jitter = 200
# Load the application in each worker after the fork: every worker opens its own database pool.
preload_app = False
accesslog = os.environ.get("GOVCATALOG_ACCESS_LOG", "-")
errorlog = os.environ.get("GOVCATALOG_ERROR_LOG", "-")
loglevel = os.environ.get("GOVCATALOG_LOG_LEVEL", "info")
proc_name = "govcatalog-web"
# Behind the reverse proxy: trust its X-Forwarded-* headers only from these addresses.
forwarded_allow_ips = os.environ.get("GOVCATALOG_FORWARDED_ALLOW_IPS", "127.0.0.1")
# gunicorn 27's control socket defaults to one path per user ($HOME/.gunicorn/gunicorn.ctl): a second
# server on the machine (another checkout, bench/load.py) would take it over and delete it on exit.
# Off unless a path is given; signals (HUP, TERM) need no socket.
if os.environ.get("GOVCATALOG_CONTROL_SOCKET"):
    control_socket = os.environ["GOVCATALOG_CONTROL_SOCKET"]
else:
    control_socket_disable = True
