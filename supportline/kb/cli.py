"""`supportline kb ...`: the knowledge base's articles and search index."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from supportline.swedish import antal

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
