"""Run deploy/nginx.conf as shipped on a loopback port, without a root set-up: for the tests
(tests/production/test_nginx.py) and the benchmark (bench/bench_public_http.py).

Only the four values the file marks "ADAPT" are replaced: the listen address, the app's address,
the static folder and the cache folder. The file is included in a minimal nginx.conf with a
prefix, logs and temporary folders under one directory of the caller's.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONF = ROOT / "deploy" / "nginx.conf"
STATIC = ROOT / "supportline" / "static"


def binary() -> str | None:
    """Debian's nginx (in /usr/sbin, which an ordinary user's PATH may lack), or None."""
    return shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)


def adapted(listen: int, app_port: int, cache: Path) -> str:
    text = CONF.read_text(encoding="utf-8")
    replacements = [
        (r"listen 80;", f"listen 127.0.0.1:{listen};"),
        (r"server 127\.0\.0\.1:8000;", f"server 127.0.0.1:{app_port};"),
        (r"/srv/supportline/supportline/static/", f"{STATIC}/"),
        (r"/var/cache/nginx/supportline", str(cache)),
    ]
    for pattern, value in replacements:
        text, count = re.subn(pattern, value.replace("\\", "\\\\"), text)
        if not count:
            raise ValueError(f"deploy/nginx.conf no longer has {pattern!r}: update deploy/nginx_local.py")
    return text


def start(prefix: Path, listen: int, app_port: int) -> subprocess.Popen:
    """Start nginx in the foreground of a child process; stop() ends it."""
    nginx = binary()
    if nginx is None:
        raise FileNotFoundError("nginx is missing: `make test-tools` installs Debian's nginx")
    for sub in ("logs", "tmp", "cache"):
        (prefix / sub).mkdir(parents=True, exist_ok=True)
    temp = "\n".join(f"    {kind}_temp_path {prefix / 'tmp' / kind};"
                     for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    # Started as root (a container), nginx would hand its workers to "nobody", who cannot enter the
    # caller's folders; started as any other user it keeps that user.
    user = "user root;" if os.geteuid() == 0 else ""
    (prefix / "nginx.conf").write_text(f"""{user}
daemon off;
worker_processes 1;
pid {prefix / 'nginx.pid'};
error_log {prefix / 'logs' / 'error.log'} warn;
events {{ worker_connections 512; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {prefix / 'logs' / 'access.log'};
{temp}
{adapted(listen, app_port, prefix / 'cache')}
}}
""", encoding="utf-8")
    with open(prefix / "logs" / "output.log", "wb") as out:
        return subprocess.Popen([nginx, "-p", str(prefix), "-c", str(prefix / "nginx.conf"),
                                 "-e", str(prefix / "logs" / "error.log")], stdout=out, stderr=subprocess.STDOUT)


def logs(prefix: Path) -> str:
    return "".join(path.read_text(errors="replace") for path in sorted((prefix / "logs").glob("*.log")))


def stop(process: subprocess.Popen) -> None:
    """A graceful stop (SIGQUIT), then a kill if it does not end within ten seconds."""
    if process.poll() is None:
        process.send_signal(signal.SIGQUIT)
        try:
            process.wait(timeout=10)
            return
        except subprocess.TimeoutExpired:
            process.kill()
    process.wait(timeout=5)
