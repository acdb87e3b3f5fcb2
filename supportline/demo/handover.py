"""The demo history arrives the way NCK's did: through a real handover package.

`supportline demo handover` builds a sending installation of its own beside this one
(instance/demo-sender/), fills it with synthetic inquiries received before the handover time,
lets its clock write the final package, verifies the package with a receipt as NCK does,
records the receipt on the sending side and imports the package here. This installation is
then the receiving one, which runs the line. Run again, it does nothing.
"""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import dataclass
from pathlib import Path

from flask import Flask
from sqlalchemy import func, select

from supportline.config import DEFAULT_HANDOVER_AT
from supportline.extensions import db

SENDER_DIR = "demo-sender"
RECEIVER_NAME = "NCK (demo)"


@dataclass
class DemoHandover:
    done_before: bool
    package: Path | None = None
    sha256: str | None = None
    inquiries: int = 0


def sender_config(instance: Path, handover_at: str) -> dict:
    """The demo sending installation's settings: its own database, index and packages."""
    folder = instance / SENDER_DIR
    return {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'supportline.db'}",
            "SUPPORTLINE_INDEX_DIR": str(folder / "index"), "SUPPORTLINE_HANDOVER_DIR": str(folder / "packages"),
            "SUPPORTLINE_HANDOVER_AT": handover_at}


def receive_demo_history(receiver: Flask, inquiries: int) -> DemoHandover:
    """Call inside the receiving app's context."""
    from supportline import create_app
    from supportline.demo.seed import ensure_demo_handover_key, seed_demo_users
    from supportline.handover import lifecycle, service
    from supportline.handover.importer import import_package
    from supportline.handover.receipt import build_receipt, write_receipt
    from supportline.handover.verify import PackageError, verify_package
    from supportline.inquiries.models import Inquiry
    from supportline.inquiries.seed import seed_inquiries

    if lifecycle.has_received():
        return DemoHandover(done_before=True)
    if db.session.scalar(select(func.count()).select_from(Inquiry)):
        raise PackageError("Databasen har redan ärenden men inget mottaget paket, så demohistoriken kan inte "
                           "importeras hit. Flytta undan databasen (instance/supportline.db) och kör make run igen.")
    instance = Path(receiver.instance_path)
    identity = ensure_demo_handover_key(str(instance))
    handover_at = service.handover_at() or dt.datetime.fromisoformat(DEFAULT_HANDOVER_AT)
    folder = instance / SENDER_DIR
    shutil.rmtree(folder, ignore_errors=True)  # an interrupted earlier run starts over
    folder.mkdir(parents=True)
    sender = create_app(sender_config(instance, handover_at.isoformat()))
    recipient = next(line.removeprefix("# public key: ").strip()
                     for line in identity.read_text(encoding="utf-8").splitlines()
                     if line.startswith("# public key: "))
    sender.config["SUPPORTLINE_HANDOVER_RECIPIENT"] = recipient
    from flask_migrate import upgrade

    with sender.app_context():
        upgrade()
        users = seed_demo_users()
        seed_inquiries(inquiries, [u.id for u in users if u.has_role("handler", "admin")], now=handover_at)
        # the sending side's clock, five minutes after the handover time
        [final] = service.run_due(handover_at + dt.timedelta(minutes=5), trigger="demo")
        package = folder / "packages" / final.file_name
    report = verify_package(package, identity)
    receipt = build_receipt(report, RECEIVER_NAME)
    write_receipt(receipt, folder / "kvitto.json")
    with sender.app_context():
        lifecycle.confirm_receipt(None, receipt)
        db.session.remove()
        db.engine.dispose()
    counts = import_package(package, identity, receipt=receipt)
    return DemoHandover(done_before=False, package=package, sha256=report.sha256, inquiries=counts["inquiries"])
