"""Security headers on every response; no caching of staff pages."""

from __future__ import annotations

from flask import g, request

CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
])

# Public pages a browser or proxy may cache; everything else may hold case data.
CACHEABLE_PREFIXES = ("/static/",)


def init_app(app) -> None:
    @app.after_request
    def add_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if app.config.get("SESSION_COOKIE_SECURE"):
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        # Anonymous public guidance gets its own rules (supportline.kb.caching).
        if (not request.path.startswith(CACHEABLE_PREFIXES) and not g.get("public_response")
                and "no-store" not in headers.get("Cache-Control", "")):
            headers["Cache-Control"] = "no-store"
        return response
