"""Flask-Migrate, imported when the schema is migrated rather than by every process of the app.

Importing flask_migrate imports Alembic: about 0.17 s of a process's start (a web worker starts in
about 0.7 s), which a web worker, the clock and every command but `supportline db ...` never use.
`app.extensions["migrate"]` (what flask_migrate's functions and migrations/env.py read) and the
`db` command group stand in for the real ones and load Flask-Migrate on first use; from then on
the app holds Flask-Migrate's own."""

from __future__ import annotations

import click


class LazyMigrate:
    """Binds Flask-Migrate to an app as `Migrate(**options).init_app(app, db, directory)` would."""

    def __init__(self, **options) -> None:
        self.options = options

    def init_app(self, app, db, directory: str) -> None:
        app.extensions["migrate"] = _ConfigOnFirstUse(app, db, directory, self.options)
        app.cli.add_command(_MigrationCommands(app.extensions["migrate"]))


class _ConfigOnFirstUse:
    """Flask-Migrate's configuration of the app, made when one of its attributes is first read."""

    def __init__(self, app, db, directory: str, options: dict) -> None:
        self._app, self._db, self._directory, self._options = app, db, directory, options
        self._config = None

    def load(self):
        if self._config is None:
            from flask_migrate import Migrate

            # Replaces app.extensions["migrate"] and the `db` group with Flask-Migrate's own.
            Migrate(**self._options).init_app(self._app, self._db, directory=self._directory)
            self._config = self._app.extensions["migrate"]
        return self._config

    def __getattr__(self, name: str):
        # Only for what this object does not have itself: the real configuration's attributes.
        return getattr(self.load(), name)


class _MigrationCommands(click.Group):
    """`supportline db ...`: listed in the help without Flask-Migrate; run by Flask-Migrate's group."""

    def __init__(self, config: _ConfigOnFirstUse) -> None:
        super().__init__("db", help="Perform database migrations.")
        self._migrate_config = config

    def make_context(self, info_name, args, parent=None, **extra):
        # The context is the real group's, so click parses its options and runs its commands.
        self._migrate_config.load()
        from flask_migrate.cli import db

        return db.make_context(info_name, args, parent=parent, **extra)
