"""The package as NCK receives it: encrypted, complete, verifiable, readable in Excel."""

from __future__ import annotations

import csv
import io
import json
import tarfile

import pytest
from sqlalchemy import update

from supportline.extensions import db
from supportline.handover import service
from supportline.handover.verify import PackageError, verify_package
from supportline.inquiries.models import Inquiry


def _export(app, out_dir, **kwargs):
    with app.app_context():
        batch = service.export(kind=kwargs.pop("kind", "full"), out_dir=out_dir, **kwargs)
        return batch.file_name, batch.sha256, batch.sequence


def _plain_members(path) -> dict[str, bytes]:
    with tarfile.open(path) as tar:
        return {m.name: tar.extractfile(m).read() for m in tar.getmembers()}


def test_export_refuses_without_a_recipient(app, out_dir):
    with app.app_context(), pytest.raises(service.HandoverError, match="Ingen mottagarnyckel"):
        service.export(kind="full", out_dir=out_dir, recipient=None)
    assert not list(out_dir.glob("supportline-handover-*"))


def test_export_refuses_a_malformed_key(app, out_dir):
    with app.app_context(), pytest.raises(service.HandoverError, match="inte en giltig age-nyckel"):
        service.export(kind="full", out_dir=out_dir, recipient="age1thisisnotakey")


def test_encrypted_full_package_verifies_with_the_identity(app, out_dir, age_key, handler, make_inquiry):
    make_inquiry(handler, status="open", callback_name="Kim", callback_phone="070-111 22 33")
    make_inquiry(handler, status="closed", callback_name="Alex", callback_phone="070-999 88 77")
    name, sha, sequence = _export(app, out_dir, recipient=age_key["recipient"])
    assert name.endswith(f"-full-{sequence:06d}.tar.age") and name.startswith("supportline-handover-2")
    report = verify_package(out_dir / name, age_key["identity_file"])
    assert report.ok, report.text()
    assert report.sha256 == sha
    assert report.manifest["counts"]["inquiries"] == 2
    assert report.manifest["counts"]["by_status"] == {"open": 1, "closed": 1}
    assert "Paketet är komplett och oförändrat" in report.text()


def test_package_contents(app, out_dir, handler, make_inquiry):
    open_id = make_inquiry(handler, status="open", callback_name="Kim", callback_phone="070-111 22 33")
    make_inquiry(handler, status="closed", callback_name="Alex", callback_phone="070-999 88 77")
    with app.app_context():
        from supportline.inquiries.service import add_entry

        add_entry(db.session.get(type(handler), handler.id), open_id, "contact", "Kuratorn ringde igen.")
    name, _sha, _seq = _export(app, out_dir, recipient=None, plaintext=True)
    assert name.endswith(".tar")
    files = _plain_members(out_dir / name)
    assert list(files)[0] == "manifest.json"
    assert {"inquiries.jsonl", "inquiries.csv", "contacts.csv", "articles.jsonl", "staff.jsonl", "LÄSMIG.txt",
            "schema/inquiry.schema.json", "schema/manifest.schema.json", "schema/article.schema.json"} <= set(files)
    records = [json.loads(line) for line in files["inquiries.jsonl"].splitlines()]
    by_status = {r["status"]: r for r in records}
    # call-back details travel only where the case continues
    assert by_status["open"]["callback_phone"] == "070-111 22 33"
    assert "callback_phone" not in by_status["closed"]
    assert by_status["open"]["labels"]["channel"] == "Telefon"
    assert by_status["open"]["timeline"], "the timeline is included"
    raw_csv = files["inquiries.csv"]
    assert raw_csv.startswith(b"\xef\xbb\xbf")  # BOM for Excel
    rows = list(csv.reader(io.StringIO(raw_csv.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][0] == "Ärende-id" and "Sammanfattning" in rows[0]
    assert len(rows) == 3
    contacts = list(csv.reader(io.StringIO(files["contacts.csv"].decode("utf-8-sig")), delimiter=";"))
    assert contacts[0] == ["Ärende-id", "Tidpunkt (UTC)", "Typ", "Personal (id)", "Text"] and len(contacts) > 1
    assert "inquiries.jsonl" in files["LÄSMIG.txt"].decode()


def test_personal_data_that_slipped_in_is_removed_and_counted(app, out_dir, handler, make_inquiry):
    inquiry_id = make_inquiry(handler)
    with app.app_context():
        # bypassing the form's guard, as data from an older system might
        db.session.execute(update(Inquiry).where(Inquiry.id == inquiry_id).values(
            summary="Flickan 20120101-0004 har mejlat ung@exempel.se"))
        db.session.commit()
    name, _sha, _seq = _export(app, out_dir, recipient=None, plaintext=True)
    files = _plain_members(out_dir / name)
    record = json.loads(files["inquiries.jsonl"].splitlines()[0])
    assert "20120101-0004" not in record["summary"] and "ung@exempel.se" not in record["summary"]
    assert record["summary"].count("[borttaget]") == 2
    assert json.loads(files["manifest.json"])["redactions"] == 2


def test_one_altered_byte_is_found_and_named(app, out_dir, handler, make_inquiry, tmp_path):
    make_inquiry(handler)
    name, _sha, _seq = _export(app, out_dir, recipient=None, plaintext=True)
    data = bytearray((out_dir / name).read_bytes())
    position = data.index(b'"summary":"Eleven ber')
    data[position] ^= 0x01
    tampered = tmp_path / name
    tampered.write_bytes(bytes(data))
    report = verify_package(tampered)
    assert not report.ok
    assert any(p.file == "inquiries.jsonl" and "kontrollsumman" in p.message for p in report.problems)


def test_altered_encrypted_package_is_refused(app, out_dir, age_key, handler, make_inquiry, tmp_path):
    make_inquiry(handler)
    name, _sha, _seq = _export(app, out_dir, recipient=age_key["recipient"])
    data = bytearray((out_dir / name).read_bytes())
    data[len(data) // 2] ^= 0x01
    tampered = tmp_path / name
    tampered.write_bytes(bytes(data))
    with pytest.raises(PackageError, match="kunde inte dekrypteras"):
        verify_package(tampered, age_key["identity_file"])


def test_truncated_package_is_refused(app, out_dir, handler, make_inquiry, tmp_path):
    make_inquiry(handler)
    name, _sha, _seq = _export(app, out_dir, recipient=None, plaintext=True)
    data = (out_dir / name).read_bytes()
    truncated = tmp_path / name
    truncated.write_bytes(data[: len(data) // 2])
    try:
        report = verify_package(truncated)
    except PackageError:
        return
    assert not report.ok


def test_wrong_identity_is_refused(app, out_dir, age_key, handler, make_inquiry, tmp_path):
    import pyrage

    make_inquiry(handler)
    name, _sha, _seq = _export(app, out_dir, recipient=age_key["recipient"])
    other = tmp_path / "other.txt"
    other.write_text(str(pyrage.x25519.Identity.generate()) + "\n", encoding="utf-8")
    with pytest.raises(PackageError, match="kunde inte dekrypteras"):
        verify_package(out_dir / name, other)
    with pytest.raises(PackageError, match="--identity"):
        verify_package(out_dir / name)


def test_another_format_version_is_refused(app, out_dir, handler, make_inquiry, tmp_path):
    make_inquiry(handler)
    name, _sha, _seq = _export(app, out_dir, recipient=None, plaintext=True)
    files = _plain_members(out_dir / name)
    manifest = json.loads(files["manifest.json"])
    manifest["format_version"] = 99
    files["manifest.json"] = json.dumps(manifest).encode()
    rebuilt = tmp_path / name
    with tarfile.open(rebuilt, "w") as tar:
        for member_name, content in files.items():
            info = tarfile.TarInfo(member_name)
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content))
    report = verify_package(rebuilt)
    assert not report.ok and "version 99" in report.text()


def test_packages_form_a_chain_and_deltas_hold_only_changes(app, out_dir, handler, make_inquiry):
    first_id = make_inquiry(handler)
    make_inquiry(handler)
    name1, sha1, seq1 = _export(app, out_dir, recipient=None, plaintext=True, kind="delta")
    with app.app_context():
        from supportline.inquiries.service import add_entry

        add_entry(db.session.get(type(handler), handler.id), first_id, "note", "Ringde tillbaka, väntar på svar.")
    name2, _sha2, seq2 = _export(app, out_dir, recipient=None, plaintext=True, kind="delta")
    assert seq2 == seq1 + 1
    second = verify_package(out_dir / name2, previous=out_dir / name1)
    assert second.ok, second.text()
    assert second.manifest["previous_sha256"] == sha1
    assert second.manifest["counts"]["inquiries"] == 1  # only the changed inquiry
    broken = verify_package(out_dir / name1, previous=out_dir / name2)
    assert any("kedjan bryts" in p.message for p in broken.problems)


def test_unwritable_output_directory(app, tmp_path, handler, make_inquiry):
    import os

    if os.geteuid() == 0:
        target = tmp_path / "a-file-not-a-dir"
        target.write_text("x")
        out = target / "packages"
    else:
        out = tmp_path / "ro"
        out.mkdir(mode=0o500)
    make_inquiry(handler)
    with app.app_context(), pytest.raises(service.HandoverError, match="Utkatalogen"):
        service.export(kind="full", out_dir=out, recipient=None, plaintext=True)


def test_a_schema_behind_the_code_is_named_with_the_command_that_fixes_it(app, out_dir, handler, make_inquiry):
    from sqlalchemy import text

    make_inquiry(handler)
    with app.app_context():
        db.session.execute(text("ALTER TABLE inquiries RENAME COLUMN anonymised_at TO anonymised_at_old"))
        db.session.commit()
        try:
            with pytest.raises(service.HandoverError, match="supportline db upgrade"):
                service.export(kind="full", out_dir=out_dir, recipient=None, plaintext=True)
        finally:
            db.session.rollback()
            db.session.execute(text("ALTER TABLE inquiries RENAME COLUMN anonymised_at_old TO anonymised_at"))
            db.session.commit()
    assert not list(out_dir.glob("supportline-handover-*"))


def test_a_ledger_gone_back_in_time_does_not_write_a_number_again(app, out_dir, handler, make_inquiry):
    from supportline.handover.models import HandoverBatch

    make_inquiry(handler)
    first, _sha, sequence = _export(app, out_dir, recipient=None, plaintext=True)
    # a database restored from a backup taken before that package: the ledger does not know it
    with app.app_context():
        db.session.query(HandoverBatch).delete()
        db.session.commit()
    with app.app_context(), pytest.raises(service.HandoverError, match="återställts från en äldre"):
        service.export(kind="full", out_dir=out_dir, recipient=None, plaintext=True)
    assert [p.name for p in out_dir.glob("supportline-handover-*")] == [first]
    assert sequence == 1
