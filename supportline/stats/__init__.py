"""Follow-up and evaluation: statistics, exports for the reports, the quarterly summary and
the directory of regional resource centres."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from supportline.swedish import antal, tal

stats_cli = click.Group("stats", help="Statistik och export för rapporterna.")


@stats_cli.command("export")
@click.option("--from", "date_from", required=True, help="Första dagen (ÅÅÅÅ-MM-DD).")
@click.option("--to", "date_to", required=True, help="Sista dagen (ÅÅÅÅ-MM-DD), ingår.")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default="xlsx", show_default=True)
@click.option("--county", default=None, help="Länskod (01–25), annars alla län.")
@click.option("--sector", default=None, help="Verksamhet (t.ex. school), annars alla.")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False), help="Filen som skrivs.")
@with_appcontext
def stats_export(date_from, date_to, fmt, county, sector, out):
    """Skriv statistiken för en period med röjandeskydd (csv: en zip med en fil per tabell)."""
    from pathlib import Path

    from supportline.stats.service import StatsInputError, parse_filters
    from supportline.stats.service_export import export_report

    if fmt == "csv" and not out.lower().endswith(".zip"):
        raise click.ClickException("CSV-exporten är en zip med en fil per tabell: ange --out som slutar på .zip.")
    try:
        filters = parse_filters({"period": "custom", "from": date_from, "to": date_to, "county": county,
                                 "sector": sector})
    except StatsInputError as exc:
        raise click.ClickException(" ".join(exc.errors.values())) from None
    report, data = export_report(None, filters, fmt)
    path = Path(out)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
    click.echo(f"{antal(report.total, 'ärende', 'ärenden')} {filters.date_from} – {filters.date_to}: {path} "
               f"({len(data)} byte).")


@stats_cli.command("snapshot")
@click.option("--year", type=int, default=None, help="År (standard: det senast avslutade kvartalets).")
@click.option("--quarter", type=click.IntRange(1, 4), default=None, help="Kvartal 1–4.")
@click.option("--rerun", is_flag=True, help="Räkna om ett fryst kvartal och spara en ny version om något skiljer.")
@with_appcontext
def stats_snapshot(year, quarter, rerun):
    """Frys ett avslutat kvartals statistik (en gång); --rerun visar skillnaden mot den frysta."""
    from supportline.stats.snapshots import SnapshotError, last_ended_quarter, make_snapshot

    if (year is None) != (quarter is None):
        raise click.ClickException("Ange både --year och --quarter, eller ingen av dem.")
    if year is None:
        year, quarter = last_ended_quarter()
    try:
        outcome = make_snapshot(None, year, quarter, trigger="cli", rerun=rerun)
    except SnapshotError as exc:
        raise click.ClickException(str(exc)) from None
    snap = outcome.snapshot
    if outcome.created:
        click.echo(f"{snap.label}: version {snap.version} sparad ({antal(snap.total, 'ärende', 'ärenden')}).")
    else:
        click.echo(f"{snap.label} är redan fryst (version {snap.version})"
                   + (": inga skillnader när kvartalet räknas om." if rerun else "."))
    for change in outcome.changes:
        click.echo(f"  {change.table} – {change.row}: {tal(change.before)} → {tal(change.after)}")


@stats_cli.command("months")
@with_appcontext
def stats_months():
    """Räkna om de dagar (och deras månader) vars ärenden har ändrats sedan de räknades (klockans
    jobb gör det var femte minut; efter en import kan det göras direkt)."""
    from sqlalchemy import func, select

    from supportline.extensions import db
    from supportline.stats.models import StatisticsMonth
    from supportline.stats.summary import refresh

    refresh()
    months = db.session.scalar(select(func.count()).select_from(StatisticsMonth))
    click.echo(f"Statistiken är räknad för {antal(months, 'månad', 'månader')} med ärenden.")


@stats_cli.command("seed-centres")
@with_appcontext
def stats_seed_centres():
    """För in den förifyllda katalogen över regionala resurscentrum (rader som en samordnare
    har sparat lämnas orörda)."""
    from supportline.stats.centres import seed_centres

    counts = seed_centres()
    click.echo(f"{counts['inserted']} rader skapade, {counts['updated']} uppdaterade, {counts['unchanged']} "
               f"oförändrade, {counts['kept']} ändrade av en samordnare och lämnade orörda.")


def init_app(app) -> None:
    from supportline.stats import report_views, views  # noqa: F401 - report_views adds its routes to views.bp

    app.register_blueprint(views.bp)
    app.register_blueprint(views.admin_bp)
    app.register_blueprint(views.directory_bp)
    app.cli.add_command(stats_cli)
    # A saved inquiry's day is counted again right after the save (stats/summary.py).
    from supportline.stats.summary import after_write
    from supportline.transactions import after_write as on_every_write

    on_every_write(app, after_write)
    # The public directory is cached like the guidance: its tag follows the centres' rows.
    from supportline.kb.caching import register_page_state
    from supportline.stats.centres import directory_state

    register_page_state(views.directory_bp.url_prefix, directory_state)

    @app.template_global()
    def county_resource_centres():
        """county code -> [centre name, host, contact] for the inquiry form's referral hint."""
        from supportline.stats.centres import all_centres

        result: dict[str, list[dict]] = {}
        for c in all_centres():
            if c.active:
                result.setdefault(c.county_code, []).append(
                    {"name": c.name, "host": c.host_organisation, "contact": c.contact})
        return result
