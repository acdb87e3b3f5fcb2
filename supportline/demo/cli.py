"""`supportline demo ...`: demo accounts and made-up inquiries for development and showing."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from supportline.swedish import antal

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
    from supportline.questions.answer_templates import seed_answer_templates

    templates = seed_answer_templates()  # only where there are none yet
    if templates:
        click.echo(f"Svarsmallar för skriftliga frågor: {templates} nya.")
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
