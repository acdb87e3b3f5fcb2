"""Loading a verified package into an empty instance (NCK may run this system)."""

from __future__ import annotations

import datetime as dt
import json
import secrets
import tarfile
import tempfile
from pathlib import Path

from sqlalchemy import func, select, text

from supportline.audit.service import record as audit
from supportline.auth.models import User
from supportline.auth.passwords import hash_password
from supportline.extensions import db
from supportline.handover.lifecycle import receipt_matches_package, record_reception
from supportline.handover.receipt import ReceiptError
from supportline.handover.verify import PackageError, open_package, verify_package
from supportline.inquiries import taxonomy as tx
from supportline.inquiries.canonical import SCHEMA_ID_V1, person_record
from supportline.inquiries.models import ExposedPerson, Inquiry, InquiryCentre, InquiryCode, TimelineEntry
from supportline.inquiries.validation import organisation_key, phone_key
from supportline.kb.index_sync import record_change
from supportline.kb.models import Article
from supportline.stats.models import ResourceCentre
from supportline.transactions import write_transaction


def _time(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def _inquiry(record: dict, centres: CentreFinder | None = None) -> Inquiry:
    inquiry = Inquiry(
        id=record["id"], version=record["version"], channel=record["channel"],
        received_at=_time(record["received_at"]), caller_type=record["caller_type"],
        caller_sector=record.get("caller_sector"), caller_role=record.get("caller_role") or "",
        caller_organisation=record.get("caller_organisation") or "",
        # The same keys the app writes, so "tidigare kontakter" finds imported cases as well.
        organisation_key=organisation_key(record.get("caller_organisation")),
        municipality_code=record.get("municipality_code"), county_code=record.get("county_code"),
        callback_name=record.get("callback_name"), callback_phone=record.get("callback_phone"),
        callback_phone_key=phone_key(record.get("callback_phone")),
        callback_email=record.get("callback_email"), urgency=record["urgency"], summary=record.get("summary") or "",
        advice=record.get("advice") or "",
        follow_up_on=dt.date.fromisoformat(record["follow_up_on"]) if record.get("follow_up_on") else None,
        status=record["status"], created_by_id=record["created_by"], assignee_id=record.get("assignee_id"),
        duration_seconds=record.get("duration_seconds"), created_at=_time(record["created_at"]),
        updated_at=_time(record["updated_at"]),
        anonymised_at=_time(record.get("anonymised_at")),
    )
    inquiry.exposed_persons = _exposed_persons(record)
    inquiry.codes = _codes(record)
    inquiry.timeline = _timeline(record)
    inquiry.centre = (centres or CentreFinder()).link(record.get("resource_centre"))
    return inquiry


def _exposed_persons(record: dict) -> list[ExposedPerson]:
    """The persons; a version 1 record has neither roles nor relations per person. Its one
    person, where the case has one, gets the case's relations, as migration 0020 did for the
    sending installation's own cases."""
    persons = [person_record(p) for p in record.get("exposed_persons") or []]
    if record.get("schema") == SCHEMA_ID_V1 and len(persons) == 1:
        persons[0]["perpetrator_relations"] = sorted(record.get("perpetrator_relations") or [])
    return [ExposedPerson(position=i, age_group=p["age_group"], gender=p["gender"], role=p["role"],
                          perpetrator_relations=" ".join(p["perpetrator_relations"]))
            for i, p in enumerate(persons)]


class CentreFinder:
    """This installation's directory row for a centre named in a record: by the directory's key
    (the same on both installations), else by county and name. A centre not found keeps its
    name and county without a row, so the referral still counts for it."""

    def __init__(self, rows=()) -> None:
        """rows: (id, seed_key, county_code, name) of the directory; none finds no row."""
        self.by_key = {key: id_ for id_, key, _county, _name in rows if key}
        self.by_name = {(county, name): id_ for id_, _key, county, name in rows}

    def link(self, centre: dict | None) -> InquiryCentre | None:
        if not centre:
            return None
        found = self.by_key.get(centre.get("key") or "") or self.by_name.get((centre.get("county_code"),
                                                                               centre["name"]))
        return InquiryCentre(centre_id=found, name=centre["name"], county_code=centre.get("county_code"))

    @classmethod
    def of_directory(cls) -> CentreFinder:
        return cls(db.session.execute(select(ResourceCentre.id, ResourceCentre.seed_key, ResourceCentre.county_code,
                                             ResourceCentre.name)).all())


def _codes(record: dict) -> list[InquiryCode]:
    return [InquiryCode(kind=kind, code=code) for kind in tx.CODE_KINDS for code in record.get(kind) or []]


def _timeline(record: dict) -> list[TimelineEntry]:
    return [TimelineEntry(kind=e["kind"], at=_time(e["at"]), user_id=e.get("user"),
                          text=e.get("text") or "", detail=e.get("detail") or None)
            for e in record.get("timeline") or []]


def _jsonl(tar: tarfile.TarFile, name: str):
    member = tar.extractfile(name)
    if member is None:
        return
    for line in member:
        yield json.loads(line)


def import_package(path: str | Path, identity_file: str | Path | None = None, actor=None,
                   receipt: dict | None = None) -> dict:
    """Verify, then load. Refuses a database that already holds inquiries. The package is
    recorded as received (with who verified it, from the receipt when one is given), which
    makes this the installation that runs the line."""
    report = verify_package(path, identity_file)
    if not report.ok:
        raise PackageError("Paketet klarade inte kontrollen och importerades inte:\n" + report.text())
    if receipt is not None:
        try:
            receipt_matches_package(receipt, report.path.name, report.sha256)
        except ReceiptError as exc:
            raise PackageError(str(exc)) from None
    if db.session.scalar(select(func.count()).select_from(Inquiry)):
        raise PackageError("Databasen innehåller redan ärenden. Importen görs bara till en tom installation.")
    counts = {"inquiries": 0, "articles": 0, "staff": 0}
    with tempfile.TemporaryDirectory(prefix="supportline-import-") as tmp:
        plain = open_package(Path(path), Path(identity_file) if identity_file else None, Path(tmp))
        with tarfile.open(plain, mode="r:") as tar:
            with write_transaction():
                existing = set(db.session.scalars(select(User.id)))
                for person in _jsonl(tar, "staff.jsonl"):
                    if person["id"] in existing:
                        continue
                    # staff appear as inactive accounts so the records keep who did what
                    db.session.add(User(id=person["id"], email=f"personal-{person['id']}@overlamning.invalid",
                                        name=person["name"], role=person["role"], active=False,
                                        password_hash=hash_password(secrets.token_urlsafe(32))))
                    counts["staff"] += 1
                db.session.flush()
                slugs = set(db.session.scalars(select(Article.slug)))
                for item in _jsonl(tar, "articles.jsonl"):
                    if item["slug"] in slugs:
                        continue
                    db.session.add(Article(
                        slug=item["slug"], title=item["title"], summary=item["summary"], body=item["body_markdown"],
                        topics=item["topics"], audiences=item["audiences"], visibility=item["visibility"],
                        sources=item["sources"], reviewed_by=item.get("reviewed_by"), status="published",
                        reviewed_on=dt.date.fromisoformat(item["reviewed_on"]) if item.get("reviewed_on") else None,
                        review_note=item.get("review_note"),
                        in_force_since=dt.date.fromisoformat(item["in_force_since"]) if item.get("in_force_since")
                        else None))
                    record_change(item["slug"])  # every host's search index picks it up
                    counts["articles"] += 1
                centres = CentreFinder.of_directory()
                for number, item in enumerate(_jsonl(tar, "inquiries.jsonl"), start=1):
                    db.session.add(_inquiry(item, centres))
                    counts["inquiries"] += 1
                    if number % 500 == 0:
                        db.session.flush()
                        db.session.expunge_all()
                db.session.flush()
                _advance_sequences()
                record_reception(report.manifest, file_name=report.path.name, sha256=report.sha256, receipt=receipt)
                audit("handover.import", actor, detail={"package": Path(path).name, "sha256": report.sha256,
                                                        "verified_by": receipt["verified_by"] if receipt else None,
                                                        **counts})
    _reindex_imported()
    return counts


def _advance_sequences() -> None:
    """Rows inserted with explicit ids leave PostgreSQL's sequences behind; move them on."""
    if db.engine.dialect.name != "postgresql":
        return
    for table in ("users", "inquiries", "articles", "inquiry_timeline", "inquiry_exposed_persons"):
        # table names come from the fixed tuple above, never from input
        db.session.execute(text(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608  # nosec B608
            f"COALESCE((SELECT MAX(id) FROM {table}), 1))"))


def _reindex_imported() -> None:
    from supportline.inquiries.search import reindex_inquiries
    from supportline.kb.service import reindex

    reindex_inquiries()
    reindex()
