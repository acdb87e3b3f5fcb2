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


def init_app(app) -> None:
    app.cli.add_command(users_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(clock_command)
