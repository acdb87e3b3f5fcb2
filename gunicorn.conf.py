"""gunicorn settings for the web process (Procfile: `gunicorn -c gunicorn.conf.py wsgi:app`).

WEB_CONCURRENCY sets the workers and PORT the port. The app logs every request itself (route
pattern, status, time, request id; never a query string), so gunicorn's access log is off and
its own lines come out in the same format.
"""

import glob
import os
import shutil
import tempfile

bind = f"{os.environ.get('HOST', '0.0.0.0')}:{os.environ.get('PORT', '8000')}"  # noqa: S104 - behind the proxy
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
accesslog = None
# The app is built once, in the master, and every worker is forked from it ready to serve: the imports, the
# index's catch-up and the argon2 parameters are not done again per worker, a worker that gunicorn replaces
# (stuck, killed, out of memory) answers at once, and the workers share the loaded code's memory. wsgi.py
# closes the master's database connections before the fork; the search index and the metrics open their
# files again in each worker (they note the process id). A new release needs a restart, not a HUP.
preload_app = True

# Prometheus counters across workers: each worker writes its figures to files in one
# directory that a scrape of any worker adds up. It must be set before a worker imports the
# app, and hold no figures from a previous run, or they would be added in. Only
# prometheus_client's own files are removed from a directory the operator named.
_metrics_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
_own_metrics_dir = not _metrics_dir
if _own_metrics_dir:
    _metrics_dir = os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="supportline-metrics-")
else:
    os.makedirs(_metrics_dir, exist_ok=True)
    for _old in glob.glob(os.path.join(_metrics_dir, "*.db")):
        os.remove(_old)


# Imported here, after the directory is set and before any worker exists: importing it inside
# child_exit (a SIGCHLD handler) could re-enter a half-done import when two workers exit at once.
from prometheus_client import multiprocess  # noqa: E402


def child_exit(server, worker):
    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    if _own_metrics_dir:
        shutil.rmtree(_metrics_dir, ignore_errors=True)


_format = os.environ.get("SUPPORTLINE_LOG_FORMAT", "json").strip().lower()
_level = os.environ.get("SUPPORTLINE_LOG_LEVEL", "INFO").strip().upper()
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "supportline": {"()": "supportline.observability.logs.formatter_for", "name": _format},
    },
    "handlers": {
        "stderr": {"class": "logging.StreamHandler", "formatter": "supportline", "stream": "ext://sys.stderr"},
    },
    # The app puts its own handler on the root logger when a worker loads it.
    "root": {"level": _level, "handlers": []},
    "loggers": {
        "gunicorn.error": {"level": _level, "handlers": ["stderr"], "propagate": False},
        "gunicorn.access": {"level": _level, "handlers": [], "propagate": False},
    },
}
