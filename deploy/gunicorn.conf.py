"""gunicorn settings for the catalog (`make run`, deploy/govcatalog-web.service).

Every value can be overridden from the environment (GOVCATALOG_*), so one file serves the
development machine and the system service.
"""
import multiprocessing
import os

bind = os.environ.get("GOVCATALOG_BIND", f"127.0.0.1:{os.environ.get('GOVCATALOG_PORT', '5000')}")
# One process per CPU, eight threads each: CKAN requests wait on PostgreSQL much of the time, and
# threads overlap those waits in one process. A keep-alive connection stays with the worker that
# accepted it, so with few threads a client queues behind busy ones while other workers idle:
# bench/load.py measured 5 workers x 2 threads (2 CPUs, 16 clients) at a third of the throughput of
# 2 x 8, with stalls of up to 9 s.
workers = int(os.environ.get("GOVCATALOG_WORKERS", multiprocessing.cpu_count()))
threads = int(os.environ.get("GOVCATALOG_THREADS", "8"))
worker_class = "gthread"
# A request that takes longer than this is stuck: the worker is killed and replaced.
timeout = int(os.environ.get("GOVCATALOG_TIMEOUT", "60"))
# On reload (HUP) or stop (TERM), requests in flight get this long to finish.
graceful_timeout = int(os.environ.get("GOVCATALOG_GRACEFUL_TIMEOUT", "30"))
keepalive = 5
# Replace workers now and then, so that a slow leak never grows without bound. The jitter is wide
# (half the limit): evenly loaded workers would otherwise all restart at once, and while they load
# CKAN nobody answers (bench/load.py saw a 32 s stall with 2 workers and 2000 +/- 200).
max_requests = int(os.environ.get("GOVCATALOG_MAX_REQUESTS", "20000"))
max_requests_jitter = max_requests // 2
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
