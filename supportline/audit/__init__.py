"""The append-only audit log: who did what to which object, when and from where.

`service.record()` writes it; `guard` refuses any change or deletion through the ORM (and
migration 0006 adds a trigger that does the same on PostgreSQL); `views` is the access
review ("loggkontroll") at /admin/logg; `cli` exports a period as CSV.
"""


def init_app(app) -> None:
    from supportline.audit import cli, guard, views

    guard.install()
    app.register_blueprint(views.bp)
    app.cli.add_command(cli.audit_cli)
