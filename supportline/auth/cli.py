"""`supportline users ...`: staff accounts and API tokens."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from supportline.swedish import antal

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

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Lösenord", hide_input=True, confirmation_prompt=True)
    try:
        user = create_user(None, email, role, password, name, temporary=True)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Kontot {user.email} ({user.role_label.lower()}) är skapat. Lösenordet är tillfälligt och "
               "byts vid första inloggningen.")


@users_cli.command("token")
@click.argument("email")
@click.option("--name", default="", help="Vad token används till, t.ex. telefonisystemet (visas på kontosidan).")
@click.option("--days", type=click.IntRange(1, 3650), help="Token slutar gälla efter så många dagar.")
@with_appcontext
def users_token(email, name, days):
    """Skapa en ny API-token för kontot och skriv ut den en gång."""
    from supportline.auth.service import get_user_by_email, issue_api_token

    user = get_user_by_email(email)
    if user is None or not user.active:
        raise click.ClickException(f"Det finns inget aktivt konto med e-postadressen {email}.")
    token = issue_api_token(None, user, name=name, days=days)
    click.echo(token)
    click.echo("Spara token nu: den visas inte igen och lagras bara som hash.", err=True)


@users_cli.command("tokens")
@click.argument("email")
@with_appcontext
def users_tokens(email):
    """Lista kontots API-token som fungerar (id, namn, skapad, senast använd, giltig till)."""
    from supportline.auth.service import get_user_by_email, live_api_tokens

    user = get_user_by_email(email)
    if user is None:
        raise click.ClickException(f"Det finns inget konto med e-postadressen {email}.")

    def when(value, missing="–"):
        return value.strftime("%Y-%m-%d %H:%M UTC") if value else missing

    for row in live_api_tokens(user):
        click.echo(f"{row.id}\t{row.name or '–'}\tskapad {when(row.created_at)}\tsenast använd "
                   f"{when(row.last_used_at, 'aldrig')}\tgiltig till {when(row.expires_at, 'tills vidare')}")


@users_cli.command("revoke-token")
@click.argument("email")
@click.option("--id", "token_id", type=click.IntRange(min=1), help="Token med detta id (se `users tokens`).")
@click.option("--all", "revoke_all", is_flag=True, help="Återkalla alla kontots API-token.")
@with_appcontext
def users_revoke_token(email, token_id, revoke_all):
    """Återkalla en API-token (--id) eller alla (--all) för kontot. Token slutar fungera direkt."""
    from supportline.auth.service import get_user_by_email, revoke_all_api_tokens, revoke_api_token

    if (token_id is None) == (not revoke_all):
        raise click.UsageError("Ange antingen --id ID eller --all.")
    user = get_user_by_email(email)
    if user is None:
        raise click.ClickException(f"Det finns inget konto med e-postadressen {email}.")
    if revoke_all:
        count = revoke_all_api_tokens(None, user)
        click.echo(f"{count} API-token för {user.email} återkallade.")
    elif revoke_api_token(None, user, token_id):
        click.echo(f"API-token {token_id} för {user.email} är återkallad.")
    else:
        raise click.ClickException(f"{user.email} har ingen giltig API-token med id {token_id}.")


@users_cli.command("mfa-rekey")
@with_appcontext
def users_mfa_rekey():
    """Kryptera om alla TOTP-hemligheter med den nuvarande SUPPORTLINE_MFA_KEY."""
    from supportline.auth.mfa import rekey_all

    report = rekey_all()
    click.echo(f"{antal(report.rekeyed, 'hemlighet', 'hemligheter')} omkrypterade med den nuvarande nyckeln, "
               f"{report.current} var redan krypterade med den.")
    if report.unreadable:
        raise click.ClickException(
            f"{len(report.unreadable)} konton har en hemlighet som ingen av nycklarna kan läsa: "
            f"{', '.join(report.unreadable)}. Lägg till den gamla nyckeln i SUPPORTLINE_MFA_KEY_FALLBACKS och kör "
            "kommandot igen, eller återställ kontots tvåstegsverifiering i /admin.")
