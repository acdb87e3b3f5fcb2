"""Rate limits per client address.

Two mechanisms, each where it fits:

- Request rates (the JSON API under /api/v1, the public knowledge search) go through
  Flask-Limiter: a counter per address and window in memory, or in Redis when
  SUPPORTLINE_RATELIMIT_STORAGE_URI names one, so that every worker and host shares it.
  These are read-only requests, and the counting must cost far less than the search it
  protects: a database write per search would.
- The article feedback ("Var detta till hjälp?") is counted in the database (RateEvent):
  the answer is stored there anyway, so the count costs one indexed query, and it is exact
  across workers without Redis. That matters because the answers steer the editors' review
  list; in-memory counting would multiply the limit by the number of workers.

Login throttling is separate (supportline/auth/service.py): it also locks accounts, and is
never switched off. SUPPORTLINE_RATELIMIT_ENABLED switches off both mechanisms here (the
load benchmarks do; the test suite defaults to off and turns them on where it tests them).

Every counter is keyed by a keyed hash of the client address, never the address itself:
the public searching for help on honour-related violence should not leave their addresses
in Redis. Behind a reverse proxy the address is the proxy's unless SUPPORTLINE_PROXY_FIX
says how many proxies to trust.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import os
import time

from flask import current_app, request
from flask_limiter import ApplicationLimit, Limiter, RateLimitExceeded
from limits import parse_many
from sqlalchemy import String, delete, func, select
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.exceptions import TooManyRequests
from werkzeug.middleware.proxy_fix import ProxyFix

from supportline.db import Base, UTCDateTime, utcnow
from supportline.extensions import db
from supportline.transactions import end_read, write_transaction

# Per client address. A person paging through search results as fast as they can read stays
# under 20 a minute; 60 leaves room for colleagues who share one address (a school's or a
# municipality's network, the support line's own office), while a script looping over the
# search reaches it within seconds and the hourly limit within minutes even when it paces
# itself. The API allows integrations a steady 2 requests a second.
DEFAULT_LIMITS = {
    "SUPPORTLINE_RATELIMIT_API": "120 per minute; 3000 per hour",
    "SUPPORTLINE_RATELIMIT_SEARCH": "60 per minute; 1000 per hour",
    "SUPPORTLINE_RATELIMIT_FEEDBACK": "10 per hour",
    # Written questions (/fraga), counted in the database like the feedback: new questions and
    # follow-ups per address, and pickup links that open nothing (guesses) per address.
    "SUPPORTLINE_RATELIMIT_QUESTIONS": "5 per hour; 20 per day",
    "SUPPORTLINE_RATELIMIT_PICKUP_MISSES": "20 per hour; 50 per day",
}
# The limits counted in the database; the clock prunes their events after a day.
DATABASE_LIMITS = ("SUPPORTLINE_RATELIMIT_FEEDBACK", "SUPPORTLINE_RATELIMIT_QUESTIONS",
                   "SUPPORTLINE_RATELIMIT_PICKUP_MISSES")
SEARCH_ENDPOINTS = frozenset({"kb.search", "kb_api.search"})
API_PREFIX = "/api/v1/"
EXTENSION_KEY = "supportline_limiter"
REDIS_SCHEMES = ("redis://", "rediss://", "redis+unix://", "redis+sentinel://", "redis+cluster://")


class RateEvent(Base):
    __tablename__ = "rate_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    bucket: Mapped[str] = mapped_column(String(40), index=True)
    # A keyed hash of the address: enough to count, not to identify a visitor.
    key: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


def _key(value: str) -> str:
    secret = current_app.config["SECRET_KEY"].encode()
    return hashlib.blake2b(value.encode(), key=secret[:64], digest_size=16).hexdigest()


def hit(bucket: str, value: str, limit: int, window: dt.timedelta) -> bool:
    """Count one event; False when the limit for this window is already reached.

    Runs in its own write transaction and commits it before the caller goes on, on purpose:
    the event must count even when the request then fails.
    """
    key = _key(value or "okänd")
    with write_transaction():
        since = utcnow() - window
        count = db.session.scalar(select(func.count()).select_from(RateEvent).where(
            RateEvent.bucket == bucket, RateEvent.key == key, RateEvent.at >= since)) or 0
        if count >= limit:
            return False
        db.session.add(RateEvent(bucket=bucket, key=key))
    return True


def prune(older_than: dt.timedelta = dt.timedelta(days=1)) -> None:
    with write_transaction():
        db.session.execute(delete(RateEvent).where(RateEvent.at < utcnow() - older_than))


def retry_after(bucket: str, value: str, limit: int, window: dt.timedelta) -> int:
    """Seconds until hit() would let one more event through: when enough of the events in the
    window have grown older than it."""
    key = _key(value or "okänd")
    now = utcnow()
    times = db.session.scalars(select(RateEvent.at).where(
        RateEvent.bucket == bucket, RateEvent.key == key, RateEvent.at >= now - window)
        .order_by(RateEvent.at)).all()
    end_read()
    if len(times) < limit:
        return 1
    freed_at = times[len(times) - limit] + window
    return max(1, math.ceil((freed_at - now).total_seconds()))


# --- configuration ---------------------------------------------------------------------

def _enabled_from_env(app) -> bool:
    raw = os.environ.get("SUPPORTLINE_RATELIMIT_ENABLED")
    if raw is None or not raw.strip():
        # Off by default only in the test suite, whose session-wide apps would otherwise
        # count every test's requests against one address.
        return app.config.get("SUPPORTLINE_ENV") != "test"
    return raw.strip().lower() in {"1", "true", "yes", "on", "ja"}


def _limit_from_env(name: str) -> str:
    from supportline.config import ConfigError

    raw = (os.environ.get(name) or "").strip() or DEFAULT_LIMITS[name]
    try:
        items = parse_many(raw)
    except ValueError:
        raise ConfigError(f"{name} ska vara en gräns som \"60 per minute\" eller \"60/minute; 1000/hour\", "
                          f"inte {raw!r}.") from None
    if name in DATABASE_LIMITS and any(i.get_expiry() > 86400 for i in items):
        # The clock prunes the counted events after a day (prune-auth-records).
        raise ConfigError(f"{name} kan räknas över högst ett dygn, inte {raw!r}.")
    return raw


def _proxies_from_env() -> int:
    from supportline.config import ConfigError

    raw = (os.environ.get("SUPPORTLINE_PROXY_FIX") or "0").strip().lower()
    if raw in {"true", "yes", "on", "ja"}:
        return 1
    if raw in {"false", "no", "off", "nej"}:
        return 0
    try:
        value = int(raw)
    except ValueError:
        value = -1
    if not 0 <= value <= 5:
        raise ConfigError(f"SUPPORTLINE_PROXY_FIX ska vara antalet omvända proxyer framför appen (0–5), inte {raw!r}.")
    return value


def limits_enabled() -> bool:
    return bool(current_app.config.get("SUPPORTLINE_RATELIMIT_ENABLED"))


# --- the client address -----------------------------------------------------------------

def client_key() -> str:
    """What the counters are keyed by: a keyed hash of the client's address."""
    return _key(request.remote_addr or "okänd")


def _trust_proxies(app) -> None:
    """Behind a reverse proxy every request arrives from the proxy. ProxyFix takes the client's
    address (and scheme) from the X-Forwarded-For/-Proto headers the given number of proxies
    added; the headers are trusted only when configured, since a client can send them itself.
    Login throttling and the session records use the same address."""
    proxies = int(app.config["SUPPORTLINE_PROXY_FIX"])
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)


# --- request rates (Flask-Limiter) --------------------------------------------------------

def _is_api() -> bool:
    return request.path.startswith(API_PREFIX)


def _is_search() -> bool:
    return request.endpoint in SEARCH_ENDPOINTS


def _configured(name: str):
    # Read per request, so a change of app.config (the tests do that) takes effect at once.
    return lambda: current_app.config[name]


def _build_limiter(app) -> Limiter:
    storage_uri = app.config["SUPPORTLINE_RATELIMIT_STORAGE_URI"]
    options = {}
    if storage_uri.startswith(REDIS_SCHEMES):
        # A slow Redis must not hold up the pages: give up quickly and fall back to memory.
        options = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}
    limiter = Limiter(
        client_key,
        # Shared buckets (one count per address across all the routes of a group), so a
        # script cannot multiply its allowance by spreading over the API's routes, or over
        # the search page and the search API. A request to /api/v1/search counts in both.
        application_limits=[
            ApplicationLimit(_configured("SUPPORTLINE_RATELIMIT_API"), scope="api",
                             exempt_when=lambda: not _is_api()),
            ApplicationLimit(_configured("SUPPORTLINE_RATELIMIT_SEARCH"), scope="search",
                             exempt_when=lambda: not _is_search()),
        ],
        storage_uri=storage_uri,
        storage_options=options,
        # One counter per window: one Redis INCR per limit and request, and an exact Retry-After.
        strategy="fixed-window",
        key_prefix=app.config["SUPPORTLINE_RATELIMIT_KEY_PREFIX"],
        # If the storage fails, count in this process's memory until it is back, and never let
        # a storage error fail a request: the limits protect the service, they must not take
        # it down.
        in_memory_fallback_enabled=True,
        swallow_errors=True,
        headers_enabled=False,
    )
    limiter.request_filter(lambda: not limits_enabled())
    limiter.init_app(app)
    return limiter


def _seconds_left(exc: TooManyRequests) -> int | None:
    if isinstance(exc, RateLimitExceeded):
        limiter = current_app.extensions.get(EXTENSION_KEY)
        try:
            current = limiter.current_limit if limiter is not None else None
            if current is not None:
                return max(1, math.ceil(current.window.reset_time - time.time()))
        except Exception:  # the storage went away: answer without the exact time
            current_app.logger.warning("could not read the rate limit window", exc_info=True)
        return 60
    value = getattr(exc, "retry_after", None)
    if isinstance(value, dt.datetime):
        return max(1, math.ceil((value - dt.datetime.now(dt.UTC)).total_seconds()))
    return int(value) if value else None


def _wait_sv(seconds: int) -> str:
    if seconds < 90:
        return f"{seconds} sekund{'er' if seconds != 1 else ''}"
    minutes = math.ceil(seconds / 60)
    return f"{minutes} minuter"


def too_many_requests(exc: TooManyRequests):
    from supportline.site.errors import render_error

    seconds = _seconds_left(exc)
    message = None
    if isinstance(exc, RateLimitExceeded) or getattr(exc, "retry_after", None):
        message = (f"Det har kommit för många förfrågningar från din adress på kort tid. "
                   f"Vänta {_wait_sv(seconds)} och försök igen.")
    body, status = render_error(429, message)
    response = current_app.make_response((body, status))
    if seconds:
        response.headers["Retry-After"] = str(seconds)
    return response


def limit_in_database(bucket: str, config_name: str) -> None:
    """Count one event for this address against a configured limit kept in the database;
    raises TooManyRequests (with the seconds to wait) when it is reached."""
    if not limits_enabled():
        return
    address = request.remote_addr or ""
    for item in parse_many(current_app.config[config_name]):
        window = dt.timedelta(seconds=item.get_expiry())
        name = f"{bucket}:{item.get_expiry()}"
        if not hit(name, address, item.amount, window):
            raise TooManyRequests(retry_after=retry_after(name, address, item.amount, window))


def check_in_database(bucket: str, config_name: str) -> None:
    """Raise TooManyRequests when this address has reached a limit kept in the database,
    without counting an event: for limits that count only failures (a pickup link that opens
    nothing), checked before the attempt so a hit and a miss past the limit look alike."""
    if not limits_enabled():
        return
    address = request.remote_addr or ""
    key = _key(address or "okänd")
    for item in parse_many(current_app.config[config_name]):
        window = dt.timedelta(seconds=item.get_expiry())
        name = f"{bucket}:{item.get_expiry()}"
        count = db.session.scalar(select(func.count()).select_from(RateEvent).where(
            RateEvent.bucket == name, RateEvent.key == key, RateEvent.at >= utcnow() - window)) or 0
        if count >= item.amount:
            raise TooManyRequests(retry_after=retry_after(name, address, item.amount, window))
    end_read()


def init_app(app) -> None:
    # setdefault: a test or create_app(config=...) may have set them already.
    app.config.setdefault("SUPPORTLINE_RATELIMIT_ENABLED", _enabled_from_env(app))
    app.config.setdefault("SUPPORTLINE_RATELIMIT_STORAGE_URI",
                          (os.environ.get("SUPPORTLINE_RATELIMIT_STORAGE_URI") or "").strip() or "memory://")
    app.config.setdefault("SUPPORTLINE_RATELIMIT_KEY_PREFIX", "supportline")
    for name in DEFAULT_LIMITS:
        app.config.setdefault(name, _limit_from_env(name))
    app.config.setdefault("SUPPORTLINE_PROXY_FIX", _proxies_from_env())
    _trust_proxies(app)
    # One limiter per app, not one in extensions.py: Flask-Limiter keeps its storage and
    # on/off state on the instance, so an instance shared by several apps (the tests build
    # one per database) would count for all of them in whichever storage was configured last.
    app.extensions[EXTENSION_KEY] = _build_limiter(app)
    app.register_error_handler(TooManyRequests, too_many_requests)
