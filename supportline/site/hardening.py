"""Request checks that apply to every route, before any view or database sees the input."""

from __future__ import annotations

import itertools
import re

from flask import abort, request

# Deeper than any body the app reads (an inquiry is three levels deep). Python's JSON parser
# recurses, so 5,000 nested arrays raised RecursionError, a 500, on any URL.
MAX_JSON_DEPTH = 32
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
# A lone UTF-16 surrogate ("\ud800" in JSON) is no character: UTF-8 and PostgreSQL cannot hold it.
_SURROGATE = re.compile("[\ud800-\udfff]")

# The knowledge search, on the page and in the API, cleans any query itself.
NUL_TOLERANT_ENDPOINTS = frozenset({"kb.search", "kb_api.search"})
DEEP_JSON = "JSON-dokumentet är för djupt nästlat (högst 32 nivåer)."
BAD_TEXT = ("Texten innehåller ett tecken som inte kan sparas (ett nolltecken eller en ensam "
            "UTF-16-surrogat). Ta bort det och skicka igen.")


def _has_nul(values) -> bool:
    return any("\x00" in value for value in values)


def json_depth(body: bytes) -> int:
    """How deeply arrays and objects nest in a JSON text, without parsing it."""
    brackets = _JSON_STRING.sub(b"", body).translate(None, _NOT_BRACKETS)
    return max(itertools.accumulate(1 if b in b"[{" else -1 for b in brackets), default=0)


def _json_strings(value):
    """Every key and string value of a parsed JSON document (its depth is already bounded)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _json_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _json_strings(item)


def _unstorable(text) -> bool:
    return isinstance(text, str) and ("\x00" in text or _SURROGATE.search(text) is not None)


def _refuse(message: str, errors: dict[str, str] | None = None):
    """A 400 in Swedish; a JSON body gets a JSON answer naming the fields (the top-level keys)."""
    from supportline.site.errors import render_error

    return render_error(400, message, errors or {"body": message}, as_json=request.is_json)


def init_app(app) -> None:
    @app.before_request
    def refuse_nul_bytes():
        # PostgreSQL text cannot hold NUL: a NUL in a slug or a JSON body reached the driver and gave a 500
        # (found by tests/security). No legitimate path or body has one, so refuse it for every route.
        # In a query string only the knowledge search takes one (it answers any query, NUL or not);
        # elsewhere a NUL reached PostgreSQL ("Tidigare kontakter" with "ab\x00cd").
        if "\x00" in request.path:
            abort(400)
        if request.endpoint not in NUL_TOLERANT_ENDPOINTS and _has_nul(request.args.values()):
            abort(400)
        if request.method in {"POST", "PUT", "PATCH"} and request.mimetype in {
                "application/x-www-form-urlencoded", "multipart/form-data"} and _has_nul(request.form.values()):
            abort(400)
        if request.method in {"POST", "PUT", "PATCH"} and request.is_json:
            if json_depth(request.get_data(cache=True)) > MAX_JSON_DEPTH:
                return _refuse(DEEP_JSON)
            data = request.get_json(silent=True)
            fields = data.items() if isinstance(data, dict) else [("body", data)]
            bad = {name if isinstance(name, str) and not _unstorable(name) else "body": BAD_TEXT
                   for name, value in fields if _unstorable(name) or any(map(_unstorable, _json_strings(value)))}
            if bad:
                return _refuse(BAD_TEXT, bad)
        return None
