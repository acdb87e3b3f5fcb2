"""Which part this installation plays in the handover, and the receipt that closes the loop.

Two installations matter once the final package is written:
- the *sending* one (the county board's), which wrote its final package: it stops taking new
  calls and written questions, keeps reading, statistics and exports, and may remove what it
  handed over once NCK's receipt for the final package is recorded (retention);
- the *receiving* one (NCK's): any installation that imported a package, or one without a
  scheduled handover (SUPPORTLINE_HANDOVER_AT set to "none"). It runs the line.
Before the final package the sending installation still runs the line ("handing_over").
"""

from __future__ import annotations

import datetime as dt

from flask import current_app
from sqlalchemy import select

from supportline.audit.service import record
from supportline.db import utcnow
from supportline.extensions import db
from supportline.handover.models import HandoverBatch, HandoverReception
from supportline.handover.receipt import ReceiptError, parse_time
from supportline.handover.service import STOCKHOLM, handover_at
from supportline.handover.service import completed_final_batch as final_batch
from supportline.transactions import write_transaction

SENDING, RECEIVING, HANDING_OVER = "sending", "receiving", "handing_over"
DEFAULT_RETENTION_DAYS = 30
COUNT_KEYS = ("inquiries", "by_status", "timeline_entries", "articles")


def now() -> dt.datetime:
    """The present, or the moment the configuration freezes it at (SUPPORTLINE_NOW, for tests
    and for showing the pages as they read on either side of the handover time)."""
    frozen = current_app.config.get("SUPPORTLINE_NOW")
    if frozen:
        moment = dt.datetime.fromisoformat(frozen) if isinstance(frozen, str) else frozen
        return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    return utcnow()


def receptions() -> list[HandoverReception]:
    return list(db.session.scalars(select(HandoverReception).order_by(HandoverReception.sequence)))


def has_received() -> bool:
    return db.session.scalar(select(HandoverReception.id).limit(1)) is not None


def role() -> str:
    if handover_at() is None or has_received():
        return RECEIVING
    return SENDING if final_batch() is not None else HANDING_OVER


# --- new calls and written questions ----------------------------------------------------------

def intake_closed_message() -> str | None:
    """Why this installation takes no new calls or written questions, or None when it does.

    The one rule for every way in: the inquiry form, the API and (when it exists) the written
    question form call it, so they all close at the same moment."""
    if role() != SENDING:
        return None
    return ("Den här installationen tar inte emot nya samtal eller skriftliga frågor: ärendena lämnades över "
            f"till NCK (Nationellt centrum för kvinnofrid) den {_day(final_batch().finished_at)}. "
            "Stödtelefonen för yrkesverksamma drivs vidare av NCK. Befintliga ärenden, statistik och exporter "
            "finns kvar här.")


# --- what the pages say, computed from the handover time and the ledger ----------------------

def page_text(at: dt.datetime) -> list[str]:
    """The handover page's account of where things stand, in the tense that is true at `at`."""
    when = handover_at()
    current = role()
    if current == RECEIVING:
        if has_received():
            return ["Den här installationen driver stödtelefonen. Ärendena i paketen nedan togs emot från "
                    "Länsstyrelsen Östergötland och finns här, sökbara och med i statistiken; nya samtal "
                    "läggs till ovanpå dem."]
        return ["Den här installationen driver stödtelefonen och har ingen schemalagd överlämning "
                "(SUPPORTLINE_HANDOVER_AT=none). Inga paket är mottagna."]
    if current == SENDING:
        final = final_batch()
        lines = [f"Ärendena lämnades över till NCK (Nationellt centrum för kvinnofrid): det slutliga paketet "
                 f"(nummer {final.sequence}) skrevs {_day(final.finished_at)}. Den här installationen tar inte "
                 "emot nya samtal eller skriftliga frågor. Läsning, statistik, exporter och gallring fortsätter."]
        if final.receipt_confirmed_at is None:
            lines.append("NCK har ännu inte kvitterat det slutliga paketet. Registrera kvittot med "
                         "'supportline handover confirm KVITTO'. Inget som lämnats över tas bort härifrån "
                         "förrän kvittot är registrerat.")
        else:
            due, _until = handed_over_removal(at)
            lines.append(f"NCK kvitterade det slutliga paketet {_day(final.receipt_verified_at)} "
                         f"({final.receipt_receiver}). "
                         + (f"Det som lämnades över tas bort av gallringen från {_day(due)} "
                            f"({retention_days()} dagar efter att kvittot registrerades)."
                            if at < due else
                            "Gallringen tar bort det som lämnades över: kontaktuppgifter först, sedan "
                            "ärendetexterna. Statistiken påverkas inte."))
        return lines
    stamp = when.astimezone(STOCKHOLM).strftime("%Y-%m-%d %H:%M")
    if at < when:
        return [f"Ärendena lämnas över till NCK (Nationellt centrum för kvinnofrid). Fram till {stamp} skapas ett "
                "deltapaket varje natt med det som ändrats; därefter ett sista fullständigt paket. Missade "
                "körningar görs så snart klockprocessen är igång."]
    return [f"Det slutliga paketet skulle skrivas {stamp} men är inte skrivet ännu. Det skrivs så snart "
            "klockprocessen är igång, eller med knappen nedan (fullständigt paket). Till dess tar den här "
            "installationen emot nya samtal."]


def staff_banner() -> dict | None:
    """The staff banner: only on the installation that handed the line over, where staff need
    to know why new calls are refused; never on public pages, never where the line runs."""
    if role() != SENDING:
        return None
    final = final_batch()
    return {"day": _day(final.finished_at), "receipt": receipt_text(final)}


# --- the receipt ---------------------------------------------------------------------------

def confirm_receipt(actor, receipt: dict, *, at: dt.datetime | None = None) -> HandoverBatch:
    """Record NCK's receipt against the package of the ledger it describes. Refuses a receipt
    that matches no package this installation wrote, in hash, number or counts, and a second
    receipt for a package already confirmed."""
    with write_transaction():
        batch = db.session.scalar(select(HandoverBatch).where(HandoverBatch.sequence == receipt["sequence"],
                                                              HandoverBatch.status == "done"))
        problems = _mismatches(batch, receipt)
        if problems:
            raise ReceiptError("Kvittot stämmer inte med något paket som den här installationen har skrivit: "
                               + "; ".join(problems) + ". Inget är registrerat.")
        if batch.receipt_confirmed_at is not None:
            raise ReceiptError(f"Paket {batch.sequence} är redan kvitterat {_day(batch.receipt_verified_at)} av "
                               f"{batch.receipt_receiver}. Inget nytt är registrerat.")
        batch.receipt = receipt
        batch.receipt_verified_at = parse_time(receipt["verified_at"])
        batch.receipt_receiver = receipt["verified_by"]
        batch.receipt_confirmed_at = at or utcnow()
        record("handover.receipt", actor, object_type="handover_batch", object_id=batch.sequence,
               detail={"sha256": batch.sha256, "verified_by": batch.receipt_receiver,
                       "verified_at": receipt["verified_at"]})
    return batch


def _mismatches(batch: HandoverBatch | None, receipt: dict) -> list[str]:
    if batch is None:
        return [f"registret har inget skrivet paket med nummer {receipt['sequence']}"]
    problems = []
    if receipt["sha256"] != batch.sha256:
        problems.append(f"paket {batch.sequence} har SHA-256 {batch.sha256}, kvittot anger {receipt['sha256']}")
    if receipt.get("package") != batch.file_name:
        problems.append(f"paket {batch.sequence} heter {batch.file_name}, kvittot anger {receipt.get('package')}")
    if receipt.get("kind") != batch.kind:
        problems.append(f"paket {batch.sequence} är av typen {batch.kind}, kvittot anger {receipt.get('kind')}")
    if receipt["previous_sha256"] != batch.previous_sha256:
        problems.append("föregående paket i kedjan stämmer inte")
    counts, ledger = receipt["counts"], batch.counts or {}
    for key in COUNT_KEYS:
        if counts.get(key) != ledger.get(key):
            problems.append(f"antal {key}: registret har {ledger.get(key)}, kvittot anger {counts.get(key)}")
    # packages written before the ledger kept per-file counts are matched on the totals alone
    if "files" in ledger and counts.get("files") != ledger["files"]:
        problems.append("antal poster per fil stämmer inte")
    return problems


def _day(moment: dt.datetime | None) -> str:
    return moment.astimezone(STOCKHOLM).strftime("%Y-%m-%d") if moment else "–"


def receipt_text(batch: HandoverBatch) -> str:
    if batch.receipt_confirmed_at is None:
        return "inte kvitterad"
    return f"kvitterad {_day(batch.receipt_verified_at)} av {batch.receipt_receiver}"


KIND_LABELS = {"full": "fullständigt", "delta": "delta"}
STATUS_LABELS = {"pending": "pågår eller avbrutet", "failed": "misslyckades"}


def _when(moment: dt.datetime | None) -> str:
    return moment.astimezone(STOCKHOLM).strftime("%Y-%m-%d %H:%M") if moment else "–"


def status_lines(written: list[HandoverBatch], received: list[HandoverReception]) -> list[str]:
    """What `supportline handover status` prints: each package, its hash and its receipt."""
    lines = []
    for b in sorted(written, key=lambda b: b.sequence):
        kind = KIND_LABELS.get(b.kind, b.kind) + (", slutligt" if b.slot == "final" else "")
        if b.status != "done":
            lines.append(f"Paket {b.sequence} ({kind}): {STATUS_LABELS.get(b.status, b.status)}, inte skrivet")
            continue
        lines.append(f"Paket {b.sequence} ({kind}): skrivet {_when(b.finished_at)}, {b.file_name}, "
                     f"SHA-256 {b.sha256}, {receipt_text(b)}")
    for r in received:
        verified = (f"kontrollerat {_when(r.verified_at)} av {r.verified_by}" if r.verified_by
                    else "inget kvitto angavs vid importen")
        lines.append(f"Mottaget paket {r.sequence} ({KIND_LABELS.get(r.kind, r.kind)}): {r.file_name}, "
                     f"SHA-256 {r.sha256}, importerat {_when(r.imported_at)}, {verified}")
    return lines or ["Inga paket är skrivna eller mottagna."]


# --- the receiving side ----------------------------------------------------------------------

def record_reception(manifest: dict, *, file_name: str, sha256: str, receipt: dict | None) -> None:
    """In the import's transaction (which writes the audit event): this installation now holds
    the package's history."""
    from supportline.handover.receipt import file_counts

    generated = manifest.get("generated_at")
    db.session.add(HandoverReception(
        file_name=file_name, sha256=sha256, sequence=manifest["sequence"], kind=manifest["kind"],
        previous_sha256=manifest.get("previous_sha256"),
        generated_at=parse_time(generated) if generated else None,
        counts={**manifest.get("counts", {}), "files": file_counts(manifest)}, imported_at=utcnow(),
        verified_at=parse_time(receipt["verified_at"]) if receipt else None,
        verified_by=receipt["verified_by"] if receipt else None))


def receipt_matches_package(receipt: dict, file_name: str, sha256: str) -> None:
    if receipt["sha256"] != sha256 or receipt["package"] != file_name:
        raise ReceiptError(f"Kvittot gäller {receipt['package']} (SHA-256 {receipt['sha256']}), inte det här "
                           f"paketet ({file_name}, SHA-256 {sha256}).")


# --- retention after the handover -----------------------------------------------------------

def retention_days() -> int:
    return int(current_app.config.get("SUPPORTLINE_HANDOVER_RETENTION_DAYS", DEFAULT_RETENTION_DAYS))


def handed_over_removal(at: dt.datetime) -> tuple[dt.datetime | None, dt.datetime | None]:
    """(from when, up to which change) what was handed over may be removed on this side.

    Never before the final package has a recorded receipt; then after the configured number
    of days. Only what is in the final package as it was written goes: an inquiry changed
    since was handed over in an older state, so the ordinary rules keep deciding for it."""
    if role() != SENDING:
        return None, None
    final = final_batch()
    if final.receipt_confirmed_at is None:
        return None, None
    due = final.receipt_confirmed_at + dt.timedelta(days=retention_days())
    return due, (final.changed_until if at >= due else None)
