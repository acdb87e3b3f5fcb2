"""Packages of format version 2 (outcomes, the resource centre, persons with their role and the
perpetrators' relation) and of version 1 (written before them), read back the way NCK does:
verified without a database, then imported into an installation of its own."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from pathlib import Path

import pytest
from sqlalchemy import select

from supportline.auth.models import User
from supportline.extensions import db
from supportline.handover import service
from supportline.handover.importer import import_package
from supportline.handover.verify import verify_package
from supportline.inquiries.models import Inquiry
from supportline.inquiries.service import create_inquiry
from supportline.stats.models import ResourceCentre
from tests.inquiries.conftest import valid_payload

V1_SCHEMAS = Path(__file__).resolve().parent / "data" / "v1"
GAVLEBORG_KEY = "21-resurscentra-gavleborg"  # a key of the researched seed, on every installation

PERSONS = [
    {"age_group": "26+", "gender": "girl_woman", "role": "exposed", "perpetrator_relations": ["partner"]},
    {"age_group": "6-12", "gender": "boy_man", "role": "exposed", "perpetrator_relations": ["parent"]},
    {"age_group": "13-15", "gender": "girl_woman", "role": "mentioned", "perpetrator_relations": []},
]


@pytest.fixture
def sent(app, handler, out_dir):
    """A plain package from a sending installation with one case using every new field and one
    older-style case of one person with relations given for the case only."""
    with app.app_context():
        # the directory as migration 0015 seeds it on both installations (or made again when an
        # earlier test emptied the tables)
        centre = db.session.scalar(select(ResourceCentre).where(ResourceCentre.seed_key == GAVLEBORG_KEY))
        if centre is None:
            centre = ResourceCentre(county_code="21", name="Resurscentra mot hedersrelaterat våld och förtryck",
                                    status="established", seed_key=GAVLEBORG_KEY)
            db.session.add(centre)
            db.session.commit()
        centre_name = centre.name
        actor = db.session.get(User, handler.id)
        full = create_inquiry(actor, valid_payload(
            municipality_code="2180", exposed_persons=PERSONS, perpetrator_relations=[],
            outcomes=["centre_referred", "report_of_concern", "referred_elsewhere"],
            referrals=["barnahus", "ud_consular"], resource_centre=centre.id)).id
        single = create_inquiry(actor, valid_payload(perpetrator_relations=["parent", "sibling"])).id
        batch = service.export(kind="full", out_dir=out_dir, recipient=None, plaintext=True)
        return {"path": out_dir / batch.file_name, "full": full, "single": single, "centre_id": centre.id,
                "centre_name": centre_name}


def _members(path: Path) -> dict[str, bytes]:
    with tarfile.open(path) as tar:
        return {m.name: tar.extractfile(m).read() for m in tar.getmembers()}


def _records(files: dict[str, bytes]) -> dict[int, dict]:
    return {r["id"]: r for r in map(json.loads, files["inquiries.jsonl"].splitlines())}


def _as_version_1(path: Path, target: Path) -> Path:
    """The same package as a version 1 sender wrote it: records without the new fields, the
    version 1 schemas, and a manifest with its sizes and checksums made again."""
    files = _members(path)
    lines = []
    for record in map(json.loads, files["inquiries.jsonl"].splitlines()):
        record["schema"] = "https://supportline.invalid/schema/inquiry/1"
        for name in ("outcomes", "resource_centre"):
            record.pop(name)
        record["referrals"] = [r for r in record["referrals"] if r not in {"ud_consular", "stodlinjen_man",
                                                                            "stodlinjen_trans"}]
        record["exposed_persons"] = [{"age_group": p["age_group"], "gender": p["gender"]}
                                     for p in record["exposed_persons"]]
        for name in ("resource_centre", "composition", "outcomes"):
            record["labels"].pop(name)
        lines.append(json.dumps(record, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode() + b"\n")
    files["inquiries.jsonl"] = b"".join(lines)
    for name in ("inquiry.schema.json", "manifest.schema.json"):
        files[f"schema/{name}"] = (V1_SCHEMAS / name).read_bytes()
    return _write_tar(target, files, format_version=1)


def _write_tar(target: Path, files: dict[str, bytes], *, format_version: int) -> Path:
    """A package of these files under a manifest of this version, with sizes and checksums made again."""
    manifest = json.loads(files.pop("manifest.json"))
    manifest["format_version"] = format_version
    for entry in manifest["files"]:
        content = files[entry["path"]]
        entry.update(bytes=len(content), sha256=hashlib.sha256(content).hexdigest())
    with tarfile.open(target, "w") as tar:
        for name, content in {"manifest.json": json.dumps(manifest).encode(), **files}.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content))
    return target


@pytest.fixture
def receiver(tmp_path, migrated_sqlite):
    """NCK's installation: migrated from empty (which seeds the directory), no inquiries."""
    from flask_migrate import upgrade

    from tests.conftest import make_app

    receiving = make_app(migrated_sqlite(tmp_path / "nck.db"), tmp_path / "nck")
    with receiving.app_context():
        upgrade()
    yield receiving
    with receiving.app_context():
        db.engine.dispose()


def test_a_version_2_package_carries_outcomes_centre_and_persons(sent):
    report = verify_package(sent["path"])
    assert report.ok, report.text()
    assert report.manifest["format_version"] == 2
    files = _members(sent["path"])
    assert b'"https://supportline.invalid/schema/inquiry/2"' in files["schema/inquiry.schema.json"]
    record = _records(files)[sent["full"]]
    assert record["outcomes"] == ["centre_referred", "referred_elsewhere", "report_of_concern"]
    assert record["resource_centre"] == {"id": sent["centre_id"], "key": GAVLEBORG_KEY, "county_code": "21",
                                         "name": sent["centre_name"]}
    assert record["exposed_persons"] == PERSONS
    # the case's relations include each person's
    assert record["perpetrator_relations"] == ["parent", "partner"]
    assert record["labels"]["composition"] == "Förälder med barn"
    assert record["labels"]["outcomes"] == ["Hänvisad till länets resurscentrum", "Hänvisad till annan instans",
                                            "Rekommenderade orosanmälan"]
    assert "13–15 år, Flicka/kvinna, omnämnd" in record["labels"]["exposed_persons"]
    csv_text = files["inquiries.csv"].decode("utf-8-sig")
    assert "Utfall;Resurscentrum;Ärendets sammansättning" in csv_text.splitlines()[0]
    assert f"{sent['centre_name']};Förälder med barn" in csv_text


def test_the_receiver_imports_a_version_2_package_with_its_own_directory_row(sent, receiver):
    with receiver.app_context():
        import_package(sent["path"])
        mine = db.session.scalar(select(ResourceCentre).where(ResourceCentre.seed_key == GAVLEBORG_KEY))
        inquiry = db.session.get(Inquiry, sent["full"])
        assert inquiry.codes_of("outcomes") == ["centre_referred", "referred_elsewhere", "report_of_concern"]
        assert inquiry.codes_of("referrals") == ["barnahus", "ud_consular"]
        assert inquiry.centre.centre_id == mine.id  # found by its key, whatever its id is here
        assert inquiry.centre.name == sent["centre_name"]
        assert [p.as_dict() for p in inquiry.exposed_persons] == PERSONS


def test_a_centre_the_receiver_does_not_know_keeps_its_name(sent, receiver, tmp_path):
    files = _members(sent["path"])
    assert json.loads(files["manifest.json"])["format_version"] == 2
    with receiver.app_context():
        db.session.execute(ResourceCentre.__table__.delete().where(ResourceCentre.seed_key == GAVLEBORG_KEY))
        db.session.commit()
        import_package(sent["path"])
        centre = db.session.get(Inquiry, sent["full"]).centre
        assert (centre.centre_id, centre.name, centre.county_code) == (None, sent["centre_name"], "21")


def test_a_version_1_package_verifies_and_imports_with_empty_outcomes(sent, receiver, tmp_path):
    old = _as_version_1(sent["path"], tmp_path / sent["path"].name)
    report = verify_package(old)
    assert report.ok, report.text()
    assert report.manifest["format_version"] == 1
    with receiver.app_context():
        counts = import_package(old)
        assert counts["inquiries"] == 2
        full = db.session.get(Inquiry, sent["full"])
        assert full.codes_of("outcomes") == [] and full.centre is None
        assert [(p.role, p.relation_list) for p in full.exposed_persons] == [
            ("exposed", []), ("exposed", []), ("exposed", [])]  # version 1 knew no roles
        single = db.session.get(Inquiry, sent["single"])
        # one person: the case's relations can only be hers
        assert [p.as_dict() for p in single.exposed_persons] == [
            {"age_group": "13-15", "gender": "girl_woman", "role": "exposed",
             "perpetrator_relations": ["parent", "sibling"]}]


def test_a_version_1_record_does_not_pass_as_version_2(sent, tmp_path):
    """A version 2 manifest over version 1 records is a damaged package, not an old one."""
    new = _members(sent["path"])
    files = {**_members(_as_version_1(sent["path"], tmp_path / "v1.tar")),
             **{name: new[name] for name in ("schema/inquiry.schema.json", "schema/manifest.schema.json")}}
    report = verify_package(_write_tar(tmp_path / "mixed.tar", files, format_version=2))
    assert not report.ok
    assert "inquiries.jsonl, rad 1: följer inte schemat" in report.text()
