"""`supportline clock`: runs the scheduler (one process per installation)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext


@click.command("clock")
@with_appcontext
def clock_command():
    """Kör schemaläggaren (en process per installation)."""
    from supportline.clock import run_clock

    run_clock(current_app._get_current_object())
