"""Supportline: case handling and knowledge base for the national support line on
honour-related violence and oppression."""

from __future__ import annotations

import os

from flask import Flask
from werkzeug.routing import IntegerConverter

__version__ = "0.1.0"


def create_app(config: dict | None = None) -> Flask:
    """Build the app. Never migrates or schedules anything: that is `supportline db
    upgrade` (release) and `supportline clock` (the one clock process)."""
    app = Flask(__name__, instance_path=os.environ.get("SUPPORTLINE_INSTANCE_PATH") or None,
                instance_relative_config=True)
    os.makedirs(app.instance_path, exist_ok=True)

    from supportline.config import load_config
    from supportline.db import MAX_ID

    class DatabaseIdConverter(IntegerConverter):
        """<int:…> in every route: a number beyond the ids the database can hold is a 404, and so
        is one written with other digits than ASCII ("１", which werkzeug's \\d+ would read as 1)."""

        regex = r"[0-9]+"

        def __init__(self, url_map, *args, **kwargs):
            kwargs.setdefault("max", MAX_ID)
            super().__init__(url_map, *args, **kwargs)

    app.url_map.converters["int"] = DatabaseIdConverter

    app.config.update(load_config(app.instance_path))
    app.config["VERSION"] = __version__
    if config:
        app.config.update(config)

    from supportline.extensions import csrf, db, migrate

    db.init_app(app)
    from supportline import transactions

    transactions.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(os.path.dirname(__file__)), "migrations"))
    from supportline import observability

    # Before every other hook (CSRF's too), so the request id and the clock start first.
    observability.init_app(app)
    from supportline.config import production_warnings

    for warning in production_warnings(app.config):
        app.logger.warning("VARNING: %s", warning)
    csrf.init_app(app)

    from supportline import ratelimit

    ratelimit.init_app(app)

    import supportline.models  # noqa: F401 - registers every table on the metadata
    from supportline import admin, api, auth, calls, handover, hours, inquiries, kb, questions, site, stats

    auth.init_app(app)
    admin.init_app(app)
    site.init_app(app)
    api.init_app(app)
    kb.init_app(app)
    inquiries.init_app(app)
    questions.init_app(app)
    handover.init_app(app)
    from supportline import audit, retention

    audit.init_app(app)
    retention.init_app(app)
    stats.init_app(app)
    calls.init_app(app)
    hours.init_app(app)

    from supportline.cli import init_app as init_cli

    init_cli(app)

    @app.context_processor
    def inject_globals():
        return {"app_name": "Stödtelefonen – ärenden och kunskap", "version": __version__}

    return app
