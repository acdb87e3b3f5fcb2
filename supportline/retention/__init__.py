"""Data protection over time: retention (gallring) of inquiries and data subject requests.

`service` anonymises closed inquiries and removes call-back details when their time is up
(run by the clock daily and by `supportline retention run`); `requests` finds, exports and
erases what is stored about a professional; `views` is the coordinator's page for that.
"""

from __future__ import annotations

import os

DEFAULT_RETENTION_MONTHS = 24
DEFAULT_CALLBACK_RETENTION_MONTHS = 6


def _months(name: str, default: int) -> int:
    from supportline.config import ConfigError

    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} ska vara ett helt antal månader, inte {raw!r}.") from None
    if not 1 <= value <= 1200:
        raise ConfigError(f"{name} ska vara mellan 1 och 1200 månader, inte {value}.")
    return value


def init_app(app) -> None:
    from supportline.retention import cli, views

    # setdefault: a test or create_app(config=...) may have set them already
    app.config.setdefault("SUPPORTLINE_RETENTION_MONTHS",
                          _months("SUPPORTLINE_RETENTION_MONTHS", DEFAULT_RETENTION_MONTHS))
    app.config.setdefault("SUPPORTLINE_CALLBACK_RETENTION_MONTHS",
                          _months("SUPPORTLINE_CALLBACK_RETENTION_MONTHS", DEFAULT_CALLBACK_RETENTION_MONTHS))
    app.register_blueprint(views.bp)
    app.cli.add_command(cli.retention_cli)
