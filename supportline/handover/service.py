"""The handover export: what is due (the ledger), exactly once (a lock and unique rows),
and the package written to a temporary file, fsynced and renamed into place."""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import os
import shutil
from pathlib import Path

from flask import current_app
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError, OperationalError, ProgrammingError

from supportline import __version__
from supportline.audit.service import record
from supportline.dates import LOCAL_TZ as STOCKHOLM
from supportline.db import is_database_unavailable, utcnow
from supportline.extensions import db
from supportline.handover.models import HandoverBatch
from supportline.handover.package import (
    FORMAT_NAME,
    FORMAT_VERSION,
    PackageBuilder,
    bundled_schemas,
    fsync_directory,
    sha256_of,
)
from supportline.transactions import write_transaction

NIGHTLY_AT = dt.time(2, 0)
LOCK_KEY = 0x5350_4C48  # "SPLH": the advisory lock id of the handover export


class HandoverError(Exception):
    """A refused or failed export; the message is Swedish."""


class ExportBusy(HandoverError):
    pass


# --- schedule -------------------------------------------------------------------

NO_HANDOVER = {"", "none", "ingen"}


def handover_at(app=None) -> dt.datetime | None:
    """When the final package is due; None on an installation without a scheduled handover
    (SUPPORTLINE_HANDOVER_AT=none), such as the one that receives it."""
    app = app or current_app
    raw = (app.config["SUPPORTLINE_HANDOVER_AT"] or "").strip()
    if raw.lower() in NO_HANDOVER:
        return None
    value = dt.datetime.fromisoformat(raw)
    return value if value.tzinfo else value.replace(tzinfo=STOCKHOLM)


def latest_nightly(now: dt.datetime) -> dt.datetime:
    local = now.astimezone(STOCKHOLM)
    slot = dt.datetime.combine(local.date(), NIGHTLY_AT, tzinfo=STOCKHOLM)
    if slot > local:
        slot -= dt.timedelta(days=1)
    return slot


def due_slots(now: dt.datetime) -> list[tuple[str, str]]:
    """(slot, kind) that the schedule wants done by now and the ledger lacks.

    Only the latest nightly delta is due: a delta holds every change since the previous
    package, so one catch-up run covers any nights the clock missed. From the handover
    time on, only the final full export is due. An installation that received a package, or
    has no scheduled handover, runs the line and exports nothing on its own.
    """
    from supportline.handover.lifecycle import RECEIVING, role

    if role() == RECEIVING:
        return []
    done = set(db.session.scalars(select(HandoverBatch.slot).where(HandoverBatch.status == "done")))
    if now >= handover_at():
        return [] if "final" in done else [("final", "full")]
    slot = f"delta:{latest_nightly(now).date().isoformat()}"
    return [] if slot in done else [(slot, "delta")]


def completed_final_batch() -> HandoverBatch | None:
    try:
        return db.session.scalar(select(HandoverBatch).where(HandoverBatch.slot == "final",
                                                             HandoverBatch.status == "done"))
    except Exception:
        db.session.rollback()
        raise


def latest_batch() -> HandoverBatch | None:
    return db.session.scalar(select(HandoverBatch).order_by(HandoverBatch.sequence.desc()).limit(1))


def batches(limit: int | None = 100) -> list[HandoverBatch]:
    return list(db.session.scalars(select(HandoverBatch).order_by(HandoverBatch.sequence.desc()).limit(limit)))


# --- locking ----------------------------------------------------------------------

@contextlib.contextmanager
def export_lock(out_dir: Path):
    """One export at a time across processes (and, on PostgreSQL, across hosts).

    PostgreSQL: a session advisory lock on a connection of its own, released by the
    server if the process dies. SQLite: an flock on a file beside the packages,
    released by the kernel if the process dies.
    """
    if db.engine.dialect.name == "postgresql":
        conn = db.engine.connect()
        try:
            got = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": LOCK_KEY}).scalar()
            conn.commit()
            if not got:
                raise ExportBusy("En annan export pågår redan. Försök igen när den är klar.")
            try:
                yield
            finally:
                # if the server went away the lock went with the session; nothing to release
                with contextlib.suppress(DBAPIError):
                    conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": LOCK_KEY})
                    conn.commit()
        finally:
            with contextlib.suppress(DBAPIError):
                conn.close()
        return
    out_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(out_dir / ".handover.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ExportBusy("En annan export pågår redan. Försök igen när den är klar.") from None
        yield
    finally:
        os.close(fd)


# --- the export -------------------------------------------------------------------

def _check_recipient(recipient: str | None, plaintext: bool):
    if recipient:
        import pyrage

        try:
            return pyrage.x25519.Recipient.from_str(recipient.strip())
        except pyrage.RecipientError:
            raise HandoverError("Mottagarnyckeln är inte en giltig age-nyckel (den ska börja med age1…).") from None
    if not plaintext:
        raise HandoverError("Ingen mottagarnyckel: ange --recipient eller SUPPORTLINE_HANDOVER_RECIPIENT. "
                            "Okrypterad export kräver --plaintext.")
    return None


def run_due(now: dt.datetime | None = None, trigger: str = "clock") -> list[HandoverBatch]:
    """What the clock calls at start and on every tick."""
    now = now or utcnow()
    if not db.session.scalar(select(func.count()).select_from(HandoverBatch).where(HandoverBatch.status != "done")) \
            and not due_slots(now):
        return []
    cfg = current_app.config
    done = []
    for slot, kind in due_slots(now):
        done.append(export(kind=kind, slot=slot, trigger=trigger, out_dir=Path(cfg["SUPPORTLINE_HANDOVER_DIR"]),
                           recipient=cfg.get("SUPPORTLINE_HANDOVER_RECIPIENT"), plaintext=False, now=now))
    return done


def export(*, kind: str, out_dir: Path, recipient: str | None, plaintext: bool = False, slot: str | None = None,
           trigger: str = "cli", actor=None, now: dt.datetime | None = None) -> HandoverBatch:
    """Write one package. A slot already done is returned as it is; a failed or interrupted
    one is written again with the same sequence number."""
    if kind not in {"full", "delta"}:
        raise HandoverError("Typen ska vara full eller delta.")
    age_recipient = _check_recipient(recipient, plaintext)
    out_dir = Path(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise HandoverError(f"Utkatalogen {out_dir} kan inte skapas: {exc.strerror}.") from None
    if not os.access(out_dir, os.W_OK):
        raise HandoverError(f"Utkatalogen {out_dir} är inte skrivbar.")
    with export_lock(out_dir):
        batch = _claim(kind, slot, trigger, actor, now or utcnow())
        if batch.status == "done":
            return batch
        _refuse_a_number_already_written(out_dir, batch.sequence)
        try:
            _write_package(batch, out_dir, age_recipient)
        except BaseException as exc:
            # The package is read in a transaction of its own; a failed read (on PostgreSQL an
            # aborted transaction) is ended here so that marking the batch failed can write.
            with contextlib.suppress(DBAPIError):
                db.session.rollback()
            _mark_failed(batch.id, exc)
            _clean_partials(out_dir, batch.sequence)
            if isinstance(exc, OSError):
                raise HandoverError(f"Paketet kunde inte skrivas till {out_dir}: {exc.strerror or exc}. "
                                    "Inget halvfärdigt paket finns kvar; nästa körning gör om det.") from None
            if _schema_behind(exc):
                raise HandoverError("Databasens tabeller stämmer inte med programmet (en migrering saknas?). "
                                    "Kör 'supportline db upgrade' och sedan exporten igen. Inget halvfärdigt "
                                    "paket finns kvar.") from None
            if is_database_unavailable(exc):
                raise HandoverError("Databasen slutade svara under exporten. Inget halvfärdigt paket finns kvar "
                                    "och inget har gått förlorat; kör exporten igen när databasen svarar.") from None
            if isinstance(exc, DBAPIError):
                raise HandoverError(f"Databasen gav ett fel under exporten ({type(exc.orig).__name__}). Inget "
                                    "halvfärdigt paket finns kvar; kör exporten igen.") from None
            raise
    return db.session.get(HandoverBatch, batch.id)


def _refuse_a_number_already_written(out_dir: Path, sequence: int) -> None:
    """A finished package with this number in the folder that the ledger does not count as done
    means the ledger went back in time (a database restored from an older backup): writing
    would give NCK a second, different package under a number it already has."""
    for path in sorted(out_dir.glob(f"supportline-handover-*-{sequence:06d}.tar*")):
        raise HandoverError(
            f"Mappen {out_dir} har redan ett paket med nummer {sequence} ({path.name}) som "
            "överlämningsregistret inte känner till. Har databasen återställts från en äldre säkerhetskopia? "
            "Jämför registret med paketen och med vad NCK har tagit emot innan exporten körs "
            "(docs/OPERATIONS.md, återställning). Inget nytt paket skrevs.")


def _schema_behind(exc: BaseException) -> bool:
    """A missing table or column: the code is newer than the database's schema."""
    if isinstance(exc, ProgrammingError):  # PostgreSQL: UndefinedTable, UndefinedColumn
        return True
    return isinstance(exc, OperationalError) and str(exc.orig).startswith(("no such table", "no such column"))


def _claim(kind: str, slot: str | None, trigger: str, actor, now: dt.datetime) -> HandoverBatch:
    with write_transaction():
        batch = None
        if slot is not None:
            batch = db.session.scalar(select(HandoverBatch).where(HandoverBatch.slot == slot))
        if batch is None:
            # an interrupted manual export of the same kind is finished before a new one starts
            batch = db.session.scalar(select(HandoverBatch).where(
                HandoverBatch.status != "done", HandoverBatch.kind == kind).order_by(HandoverBatch.sequence))
            if batch is not None and slot is not None and not batch.slot.startswith("manual:"):
                batch = None
        if batch is None:
            sequence = (db.session.scalar(select(func.max(HandoverBatch.sequence))) or 0) + 1
            batch = HandoverBatch(slot=slot or f"manual:{sequence}", kind=kind, sequence=sequence, trigger=trigger,
                                  status="pending")
            db.session.add(batch)
        if batch.status != "done":
            batch.attempts = (batch.attempts or 0) + 1
            batch.changed_until = now
            batch.error = None
            record("handover.start", actor, object_type="handover_batch", object_id=batch.sequence,
                   detail={"kind": kind, "slot": batch.slot, "trigger": trigger})
    return batch


def _mark_failed(batch_id: int, exc: BaseException) -> None:
    # The database may be what failed: then the batch stays "not done" in the ledger, which is
    # what the next run needs to know.
    with contextlib.suppress(Exception), write_transaction():
        batch = db.session.get(HandoverBatch, batch_id)
        batch.status = "failed"
        batch.error = f"{type(exc).__name__}: {exc}"[:2000]


def _clean_partials(out_dir: Path, sequence: int) -> None:
    for path in out_dir.glob(f".partial-{sequence:06d}*"):
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


def package_name(generated_at: dt.datetime, kind: str, sequence: int, encrypted: bool) -> str:
    stamp = generated_at.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"supportline-handover-{stamp}-{kind}-{sequence:06d}.tar" + (".age" if encrypted else "")


def _write_package(batch: HandoverBatch, out_dir: Path, age_recipient) -> None:
    from supportline.handover import content

    previous = db.session.scalar(select(HandoverBatch).where(
        HandoverBatch.status == "done", HandoverBatch.sequence < batch.sequence).order_by(
        HandoverBatch.sequence.desc()))
    changed_since = previous.changed_until if (previous is not None and batch.kind == "delta") else None
    changed_until = batch.changed_until
    _clean_partials(out_dir, batch.sequence)
    # a package of this sequence from an interrupted run (renamed, never recorded) is replaced
    for stale in out_dir.glob(f"supportline-handover-*-{batch.sequence:06d}.tar*"):
        stale.unlink()
    workdir = out_dir / f".partial-{batch.sequence:06d}-work"
    workdir.mkdir()
    builder = PackageBuilder(workdir)
    counts = content.write_contents(builder, changed_since=changed_since, changed_until=changed_until)
    for name, data in bundled_schemas().items():
        builder.add_bytes(name, data)
    builder.add_bytes("LÄSMIG.txt", content.readme_text().encode("utf-8"))
    generated_at = utcnow()
    manifest = {
        "format": FORMAT_NAME, "format_version": FORMAT_VERSION, "kind": batch.kind, "sequence": batch.sequence,
        "previous_sha256": previous.sha256 if previous is not None else None,
        "generated_at": generated_at.isoformat().replace("+00:00", "Z"),
        "period": {"changed_since": changed_since.isoformat().replace("+00:00", "Z") if changed_since else None,
                   "changed_until": changed_until.isoformat().replace("+00:00", "Z")},
        "source": {"system": "Supportline", "version": __version__,
                   "organisation": "Nationella stödtelefonen om hedersrelaterat våld och förtryck"},
        "counts": {k: counts[k] for k in ("inquiries", "by_status", "timeline_entries", "articles")},
        "redactions": counts["redactions"],
    }
    plain = out_dir / f".partial-{batch.sequence:06d}.tar"
    builder.write_tar(manifest, plain)
    shutil.rmtree(workdir)
    final_source = plain
    if age_recipient is not None:
        import pyrage

        encrypted = out_dir / f".partial-{batch.sequence:06d}.tar.age"
        pyrage.encrypt_file(str(plain), str(encrypted), [age_recipient])
        with open(encrypted, "rb+") as fh:
            os.fsync(fh.fileno())
        plain.unlink()
        final_source = encrypted
    name = package_name(generated_at, batch.kind, batch.sequence, age_recipient is not None)
    sha = sha256_of(final_source)
    os.replace(final_source, out_dir / name)
    fsync_directory(out_dir)
    with write_transaction():
        batch = db.session.get(HandoverBatch, batch.id)
        batch.status = "done"
        batch.finished_at = utcnow()
        batch.file_name = name
        batch.sha256 = sha
        batch.previous_sha256 = manifest["previous_sha256"]
        batch.changed_since = changed_since
        batch.encrypted = age_recipient is not None
        # records per file too, so NCK's receipt can be matched file by file
        batch.counts = {**manifest["counts"], "redactions": manifest["redactions"],
                        "files": {f.path: f.records for f in builder.files if f.records is not None}}
        record("handover.done", None, object_type="handover_batch", object_id=batch.sequence,
               detail={"file": name, "sha256": sha, "inquiries": counts["inquiries"]})
