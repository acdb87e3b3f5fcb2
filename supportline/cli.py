"""The `supportline` command: a FlaskGroup bound to create_app, plus the project's commands.

Each area keeps its own command group (auth/cli.py, kb/cli.py, handover/cli.py, ...); this
module only puts them on the command. audit, retention, stats and calls add theirs in their
init_app."""

from __future__ import annotations

from importlib import metadata

import click
from flask.cli import FlaskGroup, ScriptInfo

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


class _PluginCommand(click.Group):
    """Another package's command (a `flask.commands` entry point), listed without importing it.

    Flask loads every such command to start any command at all; flask-limiter's `limiter` imports rich
    (about 0.08 s of each command's start) for the one command that prints with it."""

    def __init__(self, entry_point: metadata.EntryPoint) -> None:
        package = entry_point.dist.name if entry_point.dist else entry_point.module.split(".")[0]
        super().__init__(entry_point.name, help=f"Kommandon från {package} (Flask-tillägg).")
        self._entry_point = entry_point

    def make_context(self, info_name, args, parent=None, **extra):
        # The context is the real command's, so click parses its options and runs it.
        return self._entry_point.load().make_context(info_name, args, parent=parent, **extra)


class _SupportlineGroup(FlaskGroup):
    def list_commands(self, ctx: click.Context) -> list[str]:
        # Flask answers --help on an installation that lacks a setting with its traceback. The operator needs
        # only the message, which names the setting; the commands that run without the app are still listed.
        try:
            ctx.ensure_object(ScriptInfo).load_app()
        except click.ClickException as exc:
            exc.show()
            click.echo(err=True)
            self._load_plugin_commands()
            return sorted(click.Group.list_commands(self, ctx))
        return super().list_commands(ctx)

    def _load_plugin_commands(self) -> None:
        # Flask's own loads each entry point; this lists them and loads one when it runs.
        if self._loaded_plugin_commands:
            return
        for entry_point in metadata.entry_points(group="flask.commands"):
            self.add_command(_PluginCommand(entry_point), entry_point.name)
        self._loaded_plugin_commands = True


@click.group(cls=_SupportlineGroup, create_app=_create_app, add_version_option=False)
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
