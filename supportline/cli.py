"""The `supportline` command: a FlaskGroup bound to create_app, plus the project's commands.

Each area keeps its own command group (auth/cli.py, kb/cli.py, handover/cli.py, ...); this
module only puts them on the command. audit, retention, stats and calls add theirs in their
init_app."""

from __future__ import annotations

import click
from flask.cli import FlaskGroup

from supportline import create_app
from supportline.auth.cli import users_cli
from supportline.clock.cli import clock_command
from supportline.demo.cli import demo_cli
from supportline.handover.cli import handover_cli
from supportline.inquiries.cli import inquiries_cli
from supportline.kb.cli import kb_cli


def _create_app():
    from supportline.config import ConfigError

    try:
        return create_app()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False)
def cli():
    """Stödtelefonens ärende- och kunskapstjänst."""


# The receiving side verifies without a configured app or database, so this group is on
# the console script itself as well as on the app.
cli.add_command(handover_cli)


def init_app(app) -> None:
    app.cli.add_command(users_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(clock_command)
    app.cli.add_command(kb_cli)
    app.cli.add_command(inquiries_cli)
    app.cli.add_command(handover_cli)


if __name__ == "__main__":
    cli()
