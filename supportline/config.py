"""Configuration from the environment.

SUPPORTLINE_ENV selects the defaults: `dev` (make run), `test` (the test suite) or
`production` (the default, so a forgotten setting fails safe).
"""

from __future__ import annotations

import os
from pathlib import Path

from knowledge.contact import KEYS as LINE_CONTACT_KEYS


class ConfigError(RuntimeError):
    pass


def _database_url(instance_path: str) -> str:
    url = os.environ.get("DATABASE_URL")
    if not url:
        return "sqlite:///" + str(Path(instance_path) / "supportline.db")
    # Hosting platforms hand out postgres:// URLs; SQLAlchemy wants a driver name.
    if url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url[len("postgres://") :]
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on", "ja"}


def _key_list(name: str) -> list[str]:
    """Old keys kept for a rotation: comma-separated, blanks ignored."""
    return [part.strip() for part in os.environ.get(name, "").split(",") if part.strip()]


def _days(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or not 0 <= int(raw) <= 3650:
        raise ConfigError(f"{name} ska vara ett helt antal dagar mellan 0 och 3650, inte {raw!r}.")
    return int(raw)


MIN_SECRET_KEY_BYTES = 32
MFA_OFF_WARNING = ("Tvåstegsinloggning krävs inte (SUPPORTLINE_REQUIRE_MFA=0): ett stulet eller gissat "
                   "lösenord räcker för att logga in som personal. Slå på det igen i produktion.")


def production_warnings(config: dict) -> list[str]:
    """Settings that work but weaken a production installation: logged at start and shown on /admin."""
    warnings = []
    if config.get("SUPPORTLINE_ENV") == "production" and not config.get("SUPPORTLINE_REQUIRE_MFA"):
        warnings.append(MFA_OFF_WARNING)
    contact = config.get("SUPPORTLINE_LINE_CONTACT") or {}
    unread = [f"SUPPORTLINE_LINE_{key.upper()}" for key in ("hours", "changed_hours") if contact.get(key)]
    if unread:
        warnings.append(f"{' och '.join(unread)} läses inte längre: stödtelefonens öppettider och ändrade dagar "
                        "sätts och bekräftas under Administration, Öppettider (/admin/oppettider).")
    return warnings


DEMO_IDENTITY_FILE = "handover-demo-identity.txt"
# When the line moved to NCK (regeringsbeslut A2025/01207); "none" on an installation without a handover.
DEFAULT_HANDOVER_AT = "2026-07-01T00:00:00+02:00"


def _demo_recipient(instance_path: str) -> str | None:
    """In dev, `supportline demo seed` makes an age key pair in the instance folder so the
    handover can be tried end to end; its public key is the recipient."""
    path = Path(instance_path) / DEMO_IDENTITY_FILE
    if not path.exists():
        return None
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# public key: "):
            return line.removeprefix("# public key: ").strip()
    return None


def load_config(instance_path: str) -> dict:
    env = os.environ.get("SUPPORTLINE_ENV", "production").strip().lower()
    if env not in {"dev", "test", "production"}:
        raise ConfigError(f"SUPPORTLINE_ENV måste vara dev, test eller production, inte {env!r}.")
    relaxed = env in {"dev", "test"}
    secret = os.environ.get("SECRET_KEY")
    if not secret:
        if not relaxed:
            raise ConfigError(
                "SECRET_KEY saknas. Sätt miljövariabeln SECRET_KEY till en lång slumpmässig sträng "
                "(till exempel: python -c 'import secrets; print(secrets.token_urlsafe(48))')."
            )
        secret = "dev-only-secret-not-for-production"  # noqa: S105 - dev/test only
    if not relaxed:
        # A short key can be guessed offline from one signed cookie; 32 bytes is what
        # secrets.token_urlsafe(32) gives.
        if len(secret.encode()) < MIN_SECRET_KEY_BYTES:
            raise ConfigError(
                f"SECRET_KEY är för kort ({len(secret.encode())} byte). I produktion krävs minst "
                f"{MIN_SECRET_KEY_BYTES} byte slump, till exempel: python -c 'import secrets; "
                "print(secrets.token_urlsafe(48))'.")
        # The debugger runs any Python a visitor types into an error page.
        if _bool("FLASK_DEBUG", False):
            raise ConfigError("FLASK_DEBUG är på. Felsökningsläget får aldrig köras i produktion: "
                              "ta bort FLASK_DEBUG eller sätt SUPPORTLINE_ENV=dev på en utvecklardator.")
    log_format = os.environ.get("SUPPORTLINE_LOG_FORMAT", "text" if relaxed else "json").strip().lower()
    if log_format not in {"json", "text"}:
        raise ConfigError(f"SUPPORTLINE_LOG_FORMAT måste vara json eller text, inte {log_format!r}.")
    return {
        "SUPPORTLINE_ENV": env,
        "SECRET_KEY": secret,
        # Old values of SECRET_KEY, still accepted for the session cookie and the CSRF tokens (not
        # for signing), so a rotation does not log everyone out.
        "SECRET_KEY_FALLBACKS": _key_list("SUPPORTLINE_SECRET_KEY_FALLBACKS"),
        "SQLALCHEMY_DATABASE_URI": _database_url(instance_path),
        # pool_pre_ping: a pooled connection that died (PostgreSQL restarted) is replaced before use.
        # hide_parameters: a database error's message, logged, must not carry case text.
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "hide_parameters": True},
        "SUPPORTLINE_INDEX_DIR": os.environ.get(
            "SUPPORTLINE_INDEX_DIR", str(Path(instance_path) / "index")
        ),
        # How often a web process looks for article changes made on other hosts (seconds).
        "SUPPORTLINE_INDEX_SYNC_SECONDS": float(os.environ.get("SUPPORTLINE_INDEX_SYNC_SECONDS",
                                                               "0" if env == "test" else "2")),
        "SUPPORTLINE_HANDOVER_AT": os.environ.get("SUPPORTLINE_HANDOVER_AT", DEFAULT_HANDOVER_AT),
        # The answer-time target for written questions, in whole opening days (supportline/hours/).
        "SUPPORTLINE_ANSWER_TARGET_DAYS": _days("SUPPORTLINE_ANSWER_TARGET_DAYS", 2),
        # How long a web process keeps the public opening hours before reading them again; a change
        # shows at once in the process that made it (0: read on every page).
        "SUPPORTLINE_PUBLIC_HOURS_SECONDS": float(os.environ.get("SUPPORTLINE_PUBLIC_HOURS_SECONDS", "30")),
        "SUPPORTLINE_HANDOVER_DIR": os.environ.get(
            "SUPPORTLINE_HANDOVER_DIR", str(Path(instance_path) / "handover")
        ),
        # Days after NCK's receipt for the final package before retention removes what was handed over.
        "SUPPORTLINE_HANDOVER_RETENTION_DAYS": _days("SUPPORTLINE_HANDOVER_RETENTION_DAYS", 30),
        # Written questions (/fraga): days after the last answer that a pickup link still opens.
        "SUPPORTLINE_QUESTION_LINK_DAYS": _days("SUPPORTLINE_QUESTION_LINK_DAYS", 30),
        "SUPPORTLINE_HANDOVER_RECIPIENT": os.environ.get("SUPPORTLINE_HANDOVER_RECIPIENT")
        or (_demo_recipient(instance_path) if env == "dev" else None),
        # The support line's contact (knowledge/facts.yaml, line_contact) as this installation
        # publishes it; unset keys keep the shipped default. A phone number or link set here counts
        # as confirmed by the operator. The opening hours are not read from here but from the
        # database (supportline/hours/, /admin/oppettider).
        "SUPPORTLINE_LINE_CONTACT": {key: os.environ.get(f"SUPPORTLINE_LINE_{key.upper()}")
                                     for key in LINE_CONTACT_KEYS},
        # Public guidance for anonymous readers: how long a browser or proxy may keep a page
        # (seconds), and how long after that it may still show it while fetching a new copy.
        "SUPPORTLINE_PUBLIC_MAX_AGE": int(os.environ.get("SUPPORTLINE_PUBLIC_MAX_AGE", "60")),
        "SUPPORTLINE_PUBLIC_STALE_SECONDS": int(os.environ.get("SUPPORTLINE_PUBLIC_STALE_SECONDS", "300")),
        # How often a web process writes the article view counts it has gathered (seconds).
        "SUPPORTLINE_VIEW_FLUSH_SECONDS": float(os.environ.get("SUPPORTLINE_VIEW_FLUSH_SECONDS",
                                                               "0" if env == "test" else "10")),
        # Sessions: revocable rows on the server; the cookie only carries their id.
        "SESSION_IDLE_MINUTES": int(os.environ.get("SUPPORTLINE_SESSION_IDLE_MINUTES", "30")),
        "SESSION_ABSOLUTE_HOURS": int(os.environ.get("SUPPORTLINE_SESSION_ABSOLUTE_HOURS", "10")),
        "SESSION_COOKIE_NAME": "supportline_session",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _bool("SUPPORTLINE_SECURE_COOKIES", not relaxed),
        "REMEMBER_COOKIE_DURATION": 0,
        "WTF_CSRF_TIME_LIMIT": 8 * 3600,
        "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
        "MAX_FORM_MEMORY_SIZE": 512 * 1024,
        "LOGIN_MAX_FAILURES_PER_ACCOUNT": 5,
        "LOGIN_MAX_FAILURES_PER_ADDRESS": 30,
        "LOGIN_FAILURE_WINDOW_MINUTES": 15,
        # Two-factor login (TOTP) for every staff account: on unless dev/test, so a forgotten
        # setting fails safe. SUPPORTLINE_MFA_KEY encrypts the TOTP secrets (SECRET_KEY if unset).
        "SUPPORTLINE_REQUIRE_MFA": _bool("SUPPORTLINE_REQUIRE_MFA", not relaxed),
        "SUPPORTLINE_MFA_KEY": os.environ.get("SUPPORTLINE_MFA_KEY"),
        # Old MFA keys, tried when a secret does not open with the current one (see auth.mfa).
        "SUPPORTLINE_MFA_KEY_FALLBACKS": _key_list("SUPPORTLINE_MFA_KEY_FALLBACKS"),
        # E-mail (optional): follow-up reminders are sent when a host is set.
        "SUPPORTLINE_SMTP_HOST": os.environ.get("SUPPORTLINE_SMTP_HOST"),
        "SUPPORTLINE_SMTP_PORT": int(os.environ.get("SUPPORTLINE_SMTP_PORT", "587")),
        "SUPPORTLINE_SMTP_USER": os.environ.get("SUPPORTLINE_SMTP_USER"),
        "SUPPORTLINE_SMTP_PASSWORD": os.environ.get("SUPPORTLINE_SMTP_PASSWORD"),
        "SUPPORTLINE_SMTP_STARTTLS": _bool("SUPPORTLINE_SMTP_STARTTLS", True),
        "SUPPORTLINE_MAIL_FROM": os.environ.get("SUPPORTLINE_MAIL_FROM", "stodtelefonen@localhost"),
        "SUPPORTLINE_BASE_URL": os.environ.get("SUPPORTLINE_BASE_URL", "http://127.0.0.1:5000"),
        # Operations: JSON log lines in production; /metrics for Prometheus (bearer token, or
        # loopback only when no token is set).
        "SUPPORTLINE_LOG_FORMAT": log_format,
        "SUPPORTLINE_LOG_LEVEL": os.environ.get("SUPPORTLINE_LOG_LEVEL", "INFO").upper(),
        "SUPPORTLINE_METRICS_TOKEN": os.environ.get("SUPPORTLINE_METRICS_TOKEN"),
        "TESTING": env == "test",
    }
