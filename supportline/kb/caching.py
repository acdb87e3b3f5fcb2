"""Cacheable public guidance: no cookie, `Cache-Control: public`, a strong ETag and 304.

When a case is in the news, thousands of professionals read the same articles in the same hour.
An anonymous reader's copy of a public page is the same for everyone, so a proxy or a CDN may
keep it for a short while; a staff member's copy (or any request that carries a session or a
Bearer token) may hold internal articles and stays `private, no-store`.

The rules go by path, so every public page under /kunskap (the resource-centre directory too,
once it exists) is covered without a decorator on each view.

The ETag is computed before the view runs, from what an anonymous page shows: the articles'
change log (every new revision, publication and archiving adds a row to it; for search pages the
position of this host's index instead, which is where their results come from), the code and the
settings the process runs with, the hour window of the feedback form's token, and for the start
page its most-read list. A matching
If-None-Match is answered with 304 without rendering, and a page this process made under the same
tag is served again from memory.
"""

from __future__ import annotations

import functools
import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path

from flask import current_app, g, request
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import BadSignature, URLSafeSerializer
from werkzeug.http import parse_etags

# Paths an anonymous reader may get from a shared cache. The editor, the handlers' suggestions
# and every POST are never cached.
PUBLIC_PREFIXES = ("/kunskap", "/api/v1/search", "/api/v1/articles/")
PRIVATE_PREFIXES = ("/kunskap/redaktor", "/kunskap/forslag")
# Public pages that are never cached (they are one asker's) but never start a session either:
# the written question and its pickup pages.
SESSIONLESS_PREFIXES = ("/fraga",)
SEARCH_PATHS = ("/kunskap/sok", "/api/v1/search")
# Anonymous pages kept by each process, by ETag: the tag names everything a page shows, so the
# same tag is the same page. Spares the rendering when no proxy is in front or it has no copy.
RESPONSES_KEPT = 256
RESPONSE_MAX_BYTES = 256 * 1024
# The response differs by whether the request is a staff member's (session cookie or token).
VARY = "Cookie, Authorization"
TOKEN_WINDOW_SECONDS = 3600
TOKEN_WINDOWS_VALID = 24
SECRET_CONFIG_WORDS = ("SECRET", "PASSWORD", "TOKEN", "KEY", "DATABASE_URI")


def public_path(path: str) -> bool:
    """Whether an anonymous GET of this path may be cached by a proxy."""
    if not (path == "/kunskap" or path.startswith(("/kunskap/", *PUBLIC_PREFIXES[1:]))):
        return False
    return not path.startswith(PRIVATE_PREFIXES)


def carries_identity() -> bool:
    """A request that might be a staff member's: any session cookie, valid or not, or a token."""
    return (current_app.config["SESSION_COOKIE_NAME"] in request.cookies
            or "Authorization" in request.headers)


def cacheable_request() -> bool:
    return request.method in ("GET", "HEAD") and public_path(request.path) and not carries_identity()


class PublicPagesSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, except that a public page never starts one: reading
    the guidance sets no cookie (a staff member's existing session is kept as usual)."""

    def should_set_cookie(self, app, session) -> bool:
        sessionless = public_path(request.path) or request.path.startswith(SESSIONLESS_PREFIXES)
        if sessionless and app.config["SESSION_COOKIE_NAME"] not in request.cookies:
            return False
        return super().should_set_cookie(app, session)


# --- the session-free forms' token ---------------------------------------------------------
# The article feedback and the written question (/fraga) are posted by readers without a
# session: instead of a session-bound CSRF token they carry one of these, checked together
# with the Origin of the post (same_origin).

def _token_serializer(salt: str = "kb-feedback") -> URLSafeSerializer:
    keys = [*(current_app.config.get("SECRET_KEY_FALLBACKS") or []), current_app.config["SECRET_KEY"]]
    # itsdangerous signs with the last key and accepts all of them (a SECRET_KEY rotation).
    return URLSafeSerializer(keys, salt=salt)


def _window(now: float | None = None) -> int:
    return int((time.time() if now is None else now) // TOKEN_WINDOW_SECONDS)


def form_token(purpose: str, now: float | None = None, *, salt: str = "public-form") -> str:
    """A signed token for one session-free form (`purpose` names it), tied to no session.

    It names the hour it was made in rather than the second, so every reader in that hour gets
    the same page (and the same ETag)."""
    return _token_serializer(salt).dumps([purpose, _window(now)])


def form_token_valid(token: str | None, purpose: str, now: float | None = None, *, salt: str = "public-form") -> bool:
    try:
        data = _token_serializer(salt).loads(token or "")
    except BadSignature:
        return False
    if not (isinstance(data, list) and len(data) == 2 and data[0] == purpose and isinstance(data[1], int)):
        return False
    return 0 <= _window(now) - data[1] < TOKEN_WINDOWS_VALID


def feedback_token(slug: str, now: float | None = None) -> str:
    """The feedback form's token for one article."""
    return form_token(slug, now, salt="kb-feedback")


def feedback_token_valid(token: str | None, slug: str, now: float | None = None) -> bool:
    return form_token_valid(token, slug, now, salt="kb-feedback")


def same_origin() -> bool:
    """Whether a form post comes from a page of this site: its Origin (or, from a browser that
    sends none, its Referer) names this host. A post with neither is refused too."""
    from urllib.parse import urlsplit

    origin = request.headers.get("Origin")
    source = origin if origin and origin != "null" else request.headers.get("Referer")
    if not source:
        return False
    return urlsplit(source).netloc.lower() == request.host.lower()


# --- the ETag -------------------------------------------------------------------------------

@functools.cache
def _code_fingerprint() -> str:
    """The code this process runs: a new deploy changes every ETag."""
    digest = hashlib.sha256()
    roots = [Path(__file__).resolve().parents[1], Path(__file__).resolve().parents[2] / "knowledge"]
    for root in roots:
        for path in sorted(root.rglob("*")):
            if path.is_file() and path.suffix in {".py", ".html", ".css", ".js", ".md", ".yaml", ".json"}:
                digest.update(str(path.relative_to(root)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


def _settings_fingerprint(app) -> str:
    """The settings the pages may show (the line's number and hours among them), hashed; secrets
    are left out. Computed once per app: settings only change with a restart."""
    cached = app.extensions.get("kb_settings_fingerprint")
    if cached is None:
        items = sorted((k, repr(v)) for k, v in app.config.items()
                       if not any(word in k for word in SECRET_CONFIG_WORDS))
        cached = app.extensions["kb_settings_fingerprint"] = hashlib.sha256(repr(items).encode()).hexdigest()
    return cached


# Public pages under /kunskap that show data of another area (the resource-centre directory)
# name that data's state here, registered by that area: (path prefix, function giving the state).
_STATE_PROVIDERS: list[tuple[str, Callable[[], str]]] = []


def register_page_state(path_prefix: str, provider: Callable[[], str]) -> None:
    """Make every public page under `path_prefix` depend on `provider()` as well (its ETag changes
    when that state does), for pages whose content is not in the articles' change log."""
    _STATE_PROVIDERS.append((path_prefix, provider))


def _page_state() -> list[str]:
    """What an anonymous page depends on besides its address."""
    from supportline.kb import service
    from supportline.kb.contact import line_contact

    # The line's contact is read per request (a changed setting shows at once, as on the page).
    state = [line_contact().fingerprint]
    state.extend(provider() for prefix, provider in _STATE_PROVIDERS if request.path.startswith(prefix))
    if request.path in SEARCH_PATHS:
        # Results come from this host's index, which may lag the database by a few seconds:
        # bring it up to date first (as the search would), and name the position it is at, so a
        # page made from a lagging index is never kept under the tag of the current one. An
        # index in step is all a search page shows, so it needs no look at the change log (a
        # round trip to the database on every search); one that failed to sync may answer from
        # the database instead, so then the change log's head counts too.
        from supportline.kb.index_sync import sync_index

        synced = sync_index()
        if synced.position is None or synced.error is not None:
            state.append(service.content_position())
        state.append(str(synced.position))
    else:
        state.append(service.content_position())
    if request.path in ("/kunskap", "/kunskap/"):
        # The start page lists the most-read articles, which the view counter reorders.
        state.extend(row.slug for row in service.most_read())
    return state


def public_etag() -> str:
    app = current_app._get_current_object()
    parts = [app.config.get("VERSION", ""), _code_fingerprint(), _settings_fingerprint(app), str(_window()),
             request.full_path, *_page_state()]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


def _public_headers(response, etag: str) -> None:
    config = current_app.config
    response.set_etag(etag)
    response.headers["Cache-Control"] = (
        f"public, max-age={config['SUPPORTLINE_PUBLIC_MAX_AGE']}, "
        f"stale-while-revalidate={config['SUPPORTLINE_PUBLIC_STALE_SECONDS']}")
    response.headers["Vary"] = VARY
    g.public_response = True


def init_app(app) -> None:
    app.session_interface = PublicPagesSessionInterface()

    kept: OrderedDict[str, tuple[bytes, str, int | None]] = OrderedDict()
    kept_lock = threading.Lock()

    @app.before_request
    def answer_not_modified():
        if not cacheable_request():
            return None
        etag = g.public_etag = public_etag()
        # If-None-Match compares weakly (RFC 9110): nginx's gzip turns the tag into W/"…".
        if parse_etags(request.headers.get("If-None-Match")).contains_weak(etag):
            response = app.response_class(status=304)
        else:
            with kept_lock:
                entry = kept.get(etag)
                if entry is not None:
                    kept.move_to_end(etag)
            if entry is None:
                return None
            body, mimetype, viewed = entry
            response = app.response_class(body, mimetype=mimetype)
            if viewed is not None:
                from supportline.kb.service import count_view

                count_view(viewed)
        _public_headers(response, etag)
        g.public_answered_early = True
        return response

    @app.after_request
    def keep_public_response(response):
        etag = g.get("public_etag")
        if (etag and response.status_code == 200 and not g.get("public_answered_early") and not response.is_streamed
                and response.calculate_content_length() is not None
                and response.calculate_content_length() <= RESPONSE_MAX_BYTES):
            with kept_lock:
                kept[etag] = (response.get_data(), response.mimetype, g.get("kb_viewed_article"))
                while len(kept) > RESPONSES_KEPT:
                    kept.popitem(last=False)
        return response

    @app.after_request
    def public_cache_headers(response):
        if g.get("public_answered_early"):  # a 304 or a kept copy from answer_not_modified
            return response
        etag = g.get("public_etag")
        if etag and response.status_code == 200:
            _public_headers(response, etag)
        elif public_path(request.path):
            # Staff, a session or a token: the page may hold internal articles.
            response.headers["Cache-Control"] = "private, no-store"
            response.vary.update(("Cookie", "Authorization"))
        return response
