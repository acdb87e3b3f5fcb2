"""`supportline audit export --from DATE --to DATE --out FILE`."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from supportline.swedish import antal

audit_cli = click.Group("audit", help="Granskningsloggen (loggkontroll).")


@audit_cli.command("export")
@click.option("--from", "date_from", required=True, type=click.DateTime(formats=["%Y-%m-%d"]),
              help="Första dagen (ÅÅÅÅ-MM-DD, svensk tid).")
@click.option("--to", "date_to", required=True, type=click.DateTime(formats=["%Y-%m-%d"]),
              help="Sista dagen, som tas med (ÅÅÅÅ-MM-DD).")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False), help="CSV-filen som skrivs.")
@with_appcontext
def audit_export(date_from, date_to, out):
    """Skriv loggens händelser för en period som CSV (UTF-8 med BOM, semikolon)."""
    from supportline.audit.review import export_csv

    if date_from.date() > date_to.date():
        raise click.BadParameter("slutdatumet ligger före startdatumet.", param_hint="--to")
    count = export_csv(date_from.date(), date_to.date(), Path(out))
    click.echo(f"{antal(count, 'händelse', 'händelser')} {date_from.date()}–{date_to.date()} skrivna till {out}.")
