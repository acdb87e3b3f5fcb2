"""`supportline retention run [--dry-run]`."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from supportline.dates import LOCAL_TZ
from supportline.swedish import antal

retention_cli = click.Group("retention", help="Gallring av ärenden och kontaktuppgifter.")


def _local(value) -> str:
    return value.astimezone(LOCAL_TZ).strftime("%Y-%m-%d")


@retention_cli.command("run")
@click.option("--dry-run", is_flag=True, help="Visa vad som skulle gallras, utan att ändra något.")
@with_appcontext
def retention_run(dry_run):
    """Avidentifiera avslutade ärenden och ta bort gamla kontaktuppgifter enligt gallringsfristerna."""
    from supportline.retention import service

    if dry_run:
        result = service.plan()
    else:
        result = service.run(trigger="cli")
    c = result.cutoffs
    click.echo(f"Gallringsfrist: {c.retention_months} månader efter avslut (senast ändrat före "
               f"{_local(c.anonymise_before)}); kontaktuppgifter: {c.callback_months} månader "
               f"(före {_local(c.callbacks_before)}).")
    if dry_run:
        for item in result.anonymise:
            click.echo(f"avidentifiera  ärende {item.id}  mottaget {_local(item.received_at)}  "
                       f"senast ändrat {_local(item.updated_at)}")
        for item in result.callbacks:
            click.echo(f"kontaktuppgifter  ärende {item.id}  ({item.status})  senast ändrat {_local(item.updated_at)}")
    if result.handed_over_due is not None and result.handed_over_due > c.now:
        click.echo(f"Det som lämnades över till NCK gallras från {_local(result.handed_over_due)} "
                   "(efter NCK:s kvitto för det slutliga paketet).")
    elif result.handed_over_due is not None:
        verb = "skulle tas bort" if dry_run else "borttagna"
        click.echo(f"Lämnat över till NCK: kontaktuppgifter {verb} från {len(result.handed_over_callbacks)} ärenden, "
                   f"ärendetext {verb} från {len(result.handed_over_text)} ärenden.")
    a, b, d = len(result.anonymise), len(result.callbacks), result.drafts
    if dry_run:
        click.echo(f"{antal(a, 'ärende', 'ärenden')} skulle avidentifieras, kontaktuppgifter skulle tas bort från "
                   f"{antal(b, 'ärende', 'ärenden')} "
                   f"och {antal(d, 'gammalt utkast', 'gamla utkast')} skulle raderas.")
    else:
        # "Avidentifierade: 1 ärende": the participle would otherwise have to agree with the count.
        click.echo(f"Avidentifierade: {antal(a, 'ärende', 'ärenden')}; kontaktuppgifter borttagna från "
                   f"{antal(b, 'ärende', 'ärenden')}; raderade: {antal(d, 'gammalt utkast', 'gamla utkast')}.")
    if dry_run:
        click.echo("Torrkörning: ingenting är ändrat.")
