"""`supportline inquiries ...`: the inquiries' search terms."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from supportline.swedish import antal

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
