"""The app's handle on the knowledge search index (a cache of the database).

One SearchIndex per process and index directory: it keeps one searcher open and
refreshes it, which halves the cost of a query compared with opening one each time.
"""

from __future__ import annotations

import threading
from pathlib import Path

from flask import current_app

_lock = threading.Lock()
_indexes: dict[str, object] = {}


def get_index(app=None):
    from knowledge import SearchIndex

    app = app or current_app
    directory = str(Path(app.config["SUPPORTLINE_INDEX_DIR"]).resolve())
    with _lock:
        index = _indexes.get(directory)
        if index is None:
            index = _indexes[directory] = SearchIndex(directory)
        return index


def index_status(app) -> dict:
    try:
        return get_index(app).status()
    except Exception as exc:  # noqa: BLE001 - the health check must answer, whatever the index does
        return {"ok": False, "error": type(exc).__name__}
