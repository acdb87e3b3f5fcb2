"""The app's handle on the knowledge search index (a cache of the database)."""

from __future__ import annotations

from pathlib import Path


def index_status(app) -> dict:
    directory = Path(app.config["SUPPORTLINE_INDEX_DIR"])
    try:
        from knowledge import SearchIndex
    except ImportError:
        return {"ok": False, "error": "knowledge library unavailable"}
    try:
        return SearchIndex(directory).status()
    except Exception as exc:  # noqa: BLE001 - the health check must answer, whatever the index does
        return {"ok": False, "error": type(exc).__name__}
