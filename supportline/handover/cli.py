"""`supportline handover ...`: the handover of the inquiries to NCK."""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import with_appcontext

from supportline.swedish import antal

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
