"""The `supportline` command: a FlaskGroup bound to create_app, plus the project's commands."""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext

from supportline import create_app


def _create_app():
    from supportline.config import ConfigError

    try:
        return create_app()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False)
def cli():
    """Stödtelefonens ärende- och kunskapstjänst."""


users_cli = click.Group("users", help="Personalkonton.")


@users_cli.command("create")
@click.argument("email")
@click.option("--role", required=True, type=click.Choice(["handler", "editor", "coordinator", "admin"]))
@click.option("--name", default="", help="Namn som visas i gränssnittet.")
@click.option("--password-stdin", is_flag=True, help="Läs lösenordet från standard in (en rad).")
@with_appcontext
def users_create(email, role, name, password_stdin):
    """Skapa ett konto med rollen ROLE."""
    from supportline.auth.service import AccountError, create_user
    from supportline.extensions import db

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Lösenord", hide_input=True, confirmation_prompt=True)
    try:
        user = create_user(None, email, role, password, name)
    except AccountError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    click.echo(f"Kontot {user.email} ({user.role_label.lower()}) är skapat.")


@users_cli.command("token")
@click.argument("email")
@with_appcontext
def users_token(email):
    """Skapa en ny API-token för kontot och skriv ut den en gång."""
    from supportline.auth.service import get_user_by_email, issue_api_token

    user = get_user_by_email(email)
    if user is None or not user.active:
        raise click.ClickException(f"Det finns inget aktivt konto med e-postadressen {email}.")
    token = issue_api_token(None, user)
    click.echo(token)
    click.echo("Spara token nu: den visas inte igen och lagras bara som hash.", err=True)


demo_cli = click.Group("demo", help="Demodata för utveckling och visning.")


@demo_cli.command("seed")
@with_appcontext
def demo_seed():
    """Skapa demokonton (ett per roll). Kan köras flera gånger."""
    from supportline.demo.seed import DEMO_PASSWORD, seed_demo_users

    if current_app.config["SUPPORTLINE_ENV"] == "production":
        raise click.ClickException("Demodata skapas inte i produktion (SUPPORTLINE_ENV=production).")
    users = seed_demo_users()
    click.echo(f"Demokonton (lösenord för alla: {DEMO_PASSWORD}):")
    for user in users:
        click.echo(f"  {user.role_label:<14} {user.email}")


@click.command("clock")
@with_appcontext
def clock_command():
    """Kör schemaläggaren (en process per installation)."""
    from supportline.clock import run_clock

    run_clock(current_app._get_current_object())


kb_cli = click.Group("kb", help="Kunskapsbanken: artiklar och sökindex.")


@kb_cli.command("import")
@click.argument("directory", type=click.Path(exists=True, file_okay=False))
@with_appcontext
def kb_import(directory):
    """Läs in alla artiklar i DIRECTORY (allt eller inget) och bygg om sökindexet."""
    import knowledge
    from supportline.extensions import db
    from supportline.kb.service import import_directory, reindex

    try:
        report = import_directory(None, directory)
    except knowledge.ArticleError as exc:
        db.session.rollback()
        raise click.ClickException(f"Inget importerades. {exc}") from None
    count = reindex()
    click.echo(f"{len(report.created)} nya, {len(report.updated)} ändrade, {len(report.unchanged)} oförändrade "
               f"artiklar. Sökindexet har {count} artiklar.")


@kb_cli.command("export")
@click.argument("directory", type=click.Path(file_okay=False))
@with_appcontext
def kb_export(directory):
    """Skriv alla artiklar (utom arkiverade) som Markdown-filer i DIRECTORY."""
    import knowledge
    from supportline.kb.service import export_directory

    try:
        paths = export_directory(directory)
    except knowledge.ArticleError as exc:
        raise click.ClickException(f"Exporten avbröts: {exc}") from None
    click.echo(f"{len(paths)} artiklar skrivna till {directory}.")


@kb_cli.command("reindex")
@with_appcontext
def kb_reindex():
    """Bygg om sökindexet från databasen (i en ny katalog som byts in atomiskt)."""
    from supportline.kb.service import reindex

    count = reindex()
    click.echo(f"Sökindexet är ombyggt med {count} publicerade artiklar.")


def init_app(app) -> None:
    app.cli.add_command(users_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(clock_command)
    app.cli.add_command(kb_cli)
