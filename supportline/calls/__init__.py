"""Calls we did not answer: call records imported from the telephone system, counted in
/statistik per week and against the line's opening hours (supportline/hours/)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

calls_cli = click.Group("calls", help="Samtal från telefonisystemet (besvarade och missade).")


@calls_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def calls_import(file):
    """Läs in samtalsposter ur FILE (CSV från telefonisystemet). Allt eller inget; samtal som
    redan finns läses inte in igen. Uppringarens nummer sparas aldrig."""
    from pathlib import Path

    from supportline.calls.parse import CallFileError
    from supportline.calls.service import import_calls

    path = Path(file)
    try:
        result = import_calls(None, path.read_bytes(), path.name)
    except CallFileError as exc:
        raise click.ClickException(f"{path.name}: {exc} Inget lästes in.") from None
    if result.number_columns:
        click.echo(f"Kolumnen {', '.join(result.number_columns)} innehåller uppringarens nummer och lästes inte "
                   "in: nummer sparas aldrig.")
    if result.ignored_columns:
        click.echo(f"Kolumner som inte används: {', '.join(result.ignored_columns)}.")
    click.echo(f"{result.rows} samtal i filen: {result.added} nya, {result.already_there} fanns redan.")


def init_app(app) -> None:
    app.cli.add_command(calls_cli)
