"""The `supportline` command: a FlaskGroup bound to create_app, plus the project's commands."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext

from supportline import create_app
from supportline.swedish import antal


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


demo_cli = click.Group("demo", help="Demodata för utveckling och visning.")


@demo_cli.command("seed")
@click.option("--inquiries", "inquiries", type=click.IntRange(min=0), default=0,
              help="Fyll på med påhittade ärenden tills det finns N.")
@with_appcontext
def demo_seed(inquiries):
    """Skapa demokonton (ett per roll). Kan köras flera gånger."""
    from supportline.demo.seed import DEMO_PASSWORD, seed_demo_users

    if current_app.config["SUPPORTLINE_ENV"] == "production":
        raise click.ClickException("Demodata skapas inte i produktion (SUPPORTLINE_ENV=production).")
    users = seed_demo_users()
    from supportline.stats.centres import seed_centres

    centres = seed_centres()  # the researched directory; a coordinator's saved rows are kept
    click.echo(f"Resurscentrum: {centres['inserted']} nya, {centres['updated']} uppdaterade rader.")
    click.echo(f"Demokonton (lösenord för alla: {DEMO_PASSWORD}):")
    for user in users:
        click.echo(f"  {user.role_label:<14} {user.email}")
    if inquiries:
        from supportline.inquiries.seed import seed_inquiries

        made = seed_inquiries(inquiries, [u.id for u in users if u.has_role("handler", "admin")])
        click.echo(f"{antal(made, 'påhittat ärende', 'påhittade ärenden')} skapade ({inquiries} finns nu).")
    if current_app.config["SUPPORTLINE_ENV"] == "dev":
        from supportline.demo.seed import ensure_demo_handover_key

        key = ensure_demo_handover_key(current_app.instance_path)
        click.echo(f"Demonyckel för överlämningen (bara dev): {key}")


@demo_cli.command("handover")
@click.option("--inquiries", "inquiries", type=click.IntRange(min=0), default=500, show_default=True,
              help="Så många påhittade ärenden har den sändande demoinstallationen.")
@with_appcontext
def demo_handover(inquiries):
    """Ta emot demohistoriken genom ett riktigt överlämningspaket (exporterat, kontrollerat med
    kvitto, importerat), så att installationen är den mottagande. Kan köras flera gånger."""
    import time

    from supportline.demo.handover import SENDER_DIR, receive_demo_history
    from supportline.handover.receipt import ReceiptError
    from supportline.handover.verify import PackageError

    if current_app.config["SUPPORTLINE_ENV"] == "production":
        raise click.ClickException("Demodata skapas inte i produktion (SUPPORTLINE_ENV=production).")
    started = time.monotonic()
    try:
        result = receive_demo_history(current_app._get_current_object(), inquiries)
    except (PackageError, ReceiptError) as exc:
        raise click.ClickException(str(exc)) from None
    if result.done_before:
        click.echo("Demohistoriken är redan mottagen: installationen är den mottagande och driver linjen.")
        return
    click.echo(f"Demohistoriken är mottagen: {result.inquiries} ärenden i {result.package.name} "
               f"(SHA-256 {result.sha256}), kontrollerat med kvitto och importerat på "
               f"{time.monotonic() - started:.1f} s. Den sändande demoinstallationen finns i instance/{SENDER_DIR}/.")


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
    from supportline.kb.service import import_directory, reindex

    try:
        report = import_directory(None, directory)
    except knowledge.ArticleError as exc:
        raise click.ClickException(f"Inget importerades. {exc}") from None
    count = reindex()
    click.echo(f"Artiklar: {len(report.created)} nya, {len(report.updated)} ändrade, {len(report.unchanged)} "
               f"oförändrade, {len(report.skipped)} överhoppade. Sökindexet har {antal(count, 'artikel', 'artiklar')}.")
    if report.skipped:
        click.echo("Överhoppade (databasens version är nyare än filen och skrivs inte över):")
        for slug, reason in report.skipped:
            click.echo(f"  {slug}: {reason}")


@kb_cli.command("lint")
@click.argument("directory", required=False, type=click.Path(exists=True, file_okay=False))
@with_appcontext
def kb_lint(directory):
    """Granska artiklarna i DIRECTORY (standard: de som följer med programmet): källor,
    granskningsanteckning, platshållare och stödtelefonens kontaktuppgifter."""
    import knowledge
    from supportline.kb.contact import line_contact

    directory = directory or str(Path(knowledge.__file__).with_name("content"))
    findings = knowledge.lint_directory(directory, line_contact())
    for finding in findings:
        click.echo(str(finding))
    errors = sum(1 for finding in findings if finding.level == knowledge.lint.ERROR)
    warnings = len(findings) - errors
    click.echo(f"{errors} fel, {warnings} {'varning' if warnings == 1 else 'varningar'}.")
    if errors:
        raise SystemExit(1)


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
    click.echo(f"{antal(len(paths), 'artikel', 'artiklar')} skrivna till {directory}.")


@kb_cli.command("reindex")
@with_appcontext
def kb_reindex():
    """Bygg om sökindexet från databasen (i en ny katalog som byts in atomiskt)."""
    from supportline.kb.service import reindex

    count = reindex()
    click.echo(f"Sökindexet är ombyggt med {antal(count, 'publicerad artikel', 'publicerade artiklar')}.")


inquiries_cli = click.Group("inquiries", help="Ärenden.")


@inquiries_cli.command("reindex")
@click.option("--since", "since", default=None, metavar="TIDPUNKT",
              help="Bara ärenden ändrade från denna tidpunkt (ISO 8601, t.ex. 2026-11-27T14:00+01:00).")
@with_appcontext
def inquiries_reindex(since):
    """Skriv om ärendenas sökord, för alla ärenden eller de som ändrats sedan en tidpunkt."""
    import datetime as dt

    from supportline.inquiries.search import reindex_inquiries

    changed_since = None
    if since:
        try:
            changed_since = dt.datetime.fromisoformat(since)
        except ValueError:
            raise click.BadParameter("Ange tidpunkten som ÅÅÅÅ-MM-DDTHH:MM med tidszon, t.ex. "
                                     "2026-11-27T14:00+01:00.", param_hint="--since") from None
        if changed_since.tzinfo is None:
            raise click.BadParameter("Ange tidszonen, t.ex. +01:00 eller Z.", param_hint="--since")
    count = reindex_inquiries(changed_since)
    click.echo(f"Sökorden är omskrivna för {antal(count, 'ärende', 'ärenden')}.")


handover_cli = click.Group("handover", help="Överlämningen av ärenden till NCK.")


@handover_cli.command("export")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), help="Katalog för paketet.")
@click.option("--kind", type=click.Choice(["full", "delta"]), default="full", show_default=True)
@click.option("--recipient", help="Mottagarens publika age-nyckel (age1…).")
@click.option("--plaintext", is_flag=True, help="Skriv ett okrypterat paket (bara för test).")
@with_appcontext
def handover_export(out_dir, kind, recipient, plaintext):
    """Skapa ett överlämningspaket."""
    from pathlib import Path

    from supportline.handover.service import HandoverError, export

    cfg = current_app.config
    recipient = recipient or cfg.get("SUPPORTLINE_HANDOVER_RECIPIENT")
    if plaintext and not recipient:
        click.echo("VARNING: paketet skrivs OKRYPTERAT. Det innehåller känsliga uppgifter och får inte "
                   "lämna en skyddad miljö.", err=True)
    try:
        batch = export(kind=kind, out_dir=Path(out_dir or cfg["SUPPORTLINE_HANDOVER_DIR"]), recipient=recipient,
                       plaintext=plaintext, trigger="cli")
    except HandoverError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Paket {batch.sequence} ({batch.kind}): {batch.file_name}")
    click.echo(f"SHA-256: {batch.sha256}")
    click.echo(f"Ärenden: {batch.counts['inquiries']}, artiklar: {batch.counts['articles']}, "
               f"borttagna personuppgifter: {batch.counts['redactions']}")


@handover_cli.command("verify")
@click.argument("package", type=click.Path(dir_okay=False))
@click.option("--identity", type=click.Path(exists=True, dir_okay=False), help="Mottagarens hemliga age-nyckel.")
@click.option("--previous", type=click.Path(exists=True, dir_okay=False), help="Föregående paket i kedjan.")
@click.option("--receipt", "receipt_file", type=click.Path(dir_okay=False),
              help="Skriv ett kvitto (JSON) hit om paketet klarar kontrollen.")
@click.option("--receiver", help="Vem som kontrollerade paketet (står i kvittot), t.ex. \"NCK, Anna Andersson\".")
def handover_verify(package, identity, previous, receipt_file, receiver):
    """Kontrollera ett paket som mottagaren gör (ingen databas behövs)."""
    from pathlib import Path

    from supportline.handover.receipt import ReceiptError, build_receipt, write_receipt
    from supportline.handover.verify import PackageError, chain_order, verify_package

    if receipt_file and not (receiver or "").strip():
        raise click.UsageError("Ett kvitto behöver --receiver: vem som kontrollerade paketet.")

    path = Path(package)
    if previous is None:
        # packages beside it in the same folder form the chain
        siblings = chain_order(list(path.parent.glob("supportline-handover-*.tar*")))
        if path in siblings and siblings.index(path) > 0:
            previous = siblings[siblings.index(path) - 1]
    try:
        report = verify_package(path, identity, previous)
    except PackageError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(report.text())
    if not report.ok:
        if receipt_file:
            click.echo("Inget kvitto skrevs: paketet klarade inte kontrollen.", err=True)
        sys.exit(1)
    if receipt_file:
        try:
            write_receipt(build_receipt(report, receiver), Path(receipt_file))
        except ReceiptError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"Kvitto skrivet: {receipt_file}. Skicka det till avsändaren, som registrerar det med "
                   "'supportline handover confirm'.")


@handover_cli.command("confirm")
@click.argument("receipt_file", metavar="RECEIPT", type=click.Path(dir_okay=False))
@with_appcontext
def handover_confirm(receipt_file):
    """Registrera mottagarens kvitto mot paketet i överlämningsregistret (avsändaren)."""
    from pathlib import Path

    from supportline.handover.lifecycle import confirm_receipt, receipt_text
    from supportline.handover.receipt import ReceiptError, read_receipt

    try:
        batch = confirm_receipt(None, read_receipt(Path(receipt_file)))
    except ReceiptError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Paket {batch.sequence} ({batch.file_name}) är {receipt_text(batch)}.")


@handover_cli.command("status")
@with_appcontext
def handover_status():
    """Lista alla paket: skrivna, deras SHA-256 och om mottagaren har kvitterat dem."""
    from supportline.handover import lifecycle
    from supportline.handover.service import batches

    for line in lifecycle.status_lines(batches(limit=None), lifecycle.receptions()):
        click.echo(line)


@handover_cli.command("import")
@click.argument("package", type=click.Path(exists=True, dir_okay=False))
@click.option("--identity", type=click.Path(exists=True, dir_okay=False), help="Mottagarens hemliga age-nyckel.")
@click.option("--receipt", "receipt_file", type=click.Path(exists=True, dir_okay=False),
              help="Kvittot från kontrollen: installationen visar vem som kontrollerade paketet.")
@with_appcontext
def handover_import(package, identity, receipt_file):
    """Läs in ett kontrollerat paket i en tom installation."""
    from pathlib import Path

    from supportline.handover.importer import import_package
    from supportline.handover.receipt import ReceiptError, read_receipt
    from supportline.handover.verify import PackageError

    try:
        receipt = read_receipt(Path(receipt_file)) if receipt_file else None
        counts = import_package(package, identity, receipt=receipt)
    except (PackageError, ReceiptError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Importerat: {antal(counts['inquiries'], 'ärende', 'ärenden')}, "
               f"{antal(counts['articles'], 'artikel', 'artiklar')}, "
               f"{antal(counts['staff'], 'personalkonto', 'personalkonton')} (inaktiverade).")


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
