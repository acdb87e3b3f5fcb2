"""Fingerprinted names for the site's own static files: /static/style.3f2a9c1b0d4e.css.

A name that changes with the content may be kept by browsers and the proxy for a year
(deploy/nginx.conf serves these from disk without asking the app); a new deploy changes
the name, so nobody keeps an old stylesheet. url_for('static', filename='style.css') gives the
fingerprinted name everywhere, templates need not know.
"""

from __future__ import annotations

import hashlib
import os
import re

from flask import current_app, send_from_directory

FINGERPRINT = re.compile(r"^(?P<stem>.+)\.(?P<digest>[0-9a-f]{12})(?P<suffix>\.[A-Za-z0-9]+)$")
ONE_YEAR = 365 * 24 * 3600

_digests: dict[tuple[str, float], str] = {}


def _digest(path: str) -> str | None:
    try:
        mtime = os.stat(path).st_mtime
    except OSError:
        return None
    key = (path, mtime)
    digest = _digests.get(key)
    if digest is None:
        with open(path, "rb") as handle:
            digest = _digests[key] = hashlib.sha256(handle.read()).hexdigest()[:12]
    return digest


def fingerprinted(filename: str) -> str:
    """style.css → style.<first 12 hex digits of its SHA-256>.css (unchanged if it does not exist)."""
    folder = current_app.static_folder
    stem, suffix = os.path.splitext(filename)
    if not folder or not suffix or ".." in filename.split("/"):
        return filename
    digest = _digest(os.path.join(folder, filename))
    return f"{stem}.{digest}{suffix}" if digest else filename


def init_app(app) -> None:
    @app.url_defaults
    def fingerprint_static(endpoint, values):
        if endpoint == "static" and "filename" in values and not FINGERPRINT.match(values["filename"]):
            values["filename"] = fingerprinted(values["filename"])

    def static(filename: str):
        match = FINGERPRINT.match(filename)
        if match is None:
            return app.send_static_file(filename)
        plain = match["stem"] + match["suffix"]
        response = send_from_directory(app.static_folder, plain)
        if match["digest"] == _digest(os.path.join(app.static_folder, plain)):
            # The content under this name never changes.
            response.headers["Cache-Control"] = f"public, max-age={ONE_YEAR}, immutable"
        return response

    app.view_functions["static"] = static
