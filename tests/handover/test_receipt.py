"""The receipt closes the loop: NCK verifies and writes a receipt, the sender records it."""

from __future__ import annotations

import datetime as dt
import json

from supportline.cli import cli
from supportline.dates import LOCAL_TZ
from supportline.extensions import db
from supportline.handover import service
from supportline.handover.models import HandoverBatch


def _export(app, out_dir, age_key, kind="full"):
    with app.app_context():
        batch = service.export(kind=kind, out_dir=out_dir, recipient=age_key["recipient"])
        return out_dir / batch.file_name, batch.sha256, batch.sequence


def _verify(runner, package, age_key, receipt, receiver="NCK, Anna Andersson"):
    return runner.invoke(cli, ["handover", "verify", str(package), "--identity", str(age_key["identity_file"]),
                               "--receipt", str(receipt), "--receiver", receiver])


def test_receipt_round_trip(app, runner, out_dir, age_key, handler, make_inquiry, tmp_path):
    make_inquiry(handler, status="open")
    make_inquiry(handler, status="closed")
    package, sha, sequence = _export(app, out_dir, age_key)
    receipt = tmp_path / "kvitto.json"
    result = _verify(runner, package, age_key, receipt)
    assert result.exit_code == 0, result.output
    data = json.loads(receipt.read_text(encoding="utf-8"))
    assert data["package"] == package.name and data["sha256"] == sha and data["sequence"] == sequence
    assert data["counts"]["inquiries"] == 2 and data["counts"]["files"]["inquiries.jsonl"] == 2
    assert data["previous_sha256"] is None and data["verified_by"] == "NCK, Anna Andersson"
    assert data["verified_at"].endswith("Z")

    before = runner.invoke(args=["handover", "status"])
    assert f"SHA-256 {sha}, inte kvitterad" in before.output

    result = runner.invoke(args=["handover", "confirm", str(receipt)])
    assert result.exit_code == 0, result.output
    assert "kvitterad" in result.output and "NCK, Anna Andersson" in result.output
    status = runner.invoke(args=["handover", "status"])
    assert status.exit_code == 0
    line = next(line for line in status.output.splitlines() if line.startswith(f"Paket {sequence} "))
    # the day as the line counts days, in Stockholm (verified_at is UTC)
    day = dt.datetime.fromisoformat(data["verified_at"].replace("Z", "+00:00")).astimezone(LOCAL_TZ).date()
    assert sha in line and f"kvitterad {day} av NCK, Anna Andersson" in line


def test_a_package_that_fails_gets_no_receipt(app, runner, out_dir, age_key, handler, make_inquiry, tmp_path):
    make_inquiry(handler)
    package, _sha, _seq = _export(app, out_dir, age_key)
    raw = bytearray(package.read_bytes())
    raw[-40] ^= 0xFF  # one damaged byte in the encrypted payload
    package.write_bytes(bytes(raw))
    receipt = tmp_path / "kvitto.json"
    result = _verify(runner, package, age_key, receipt)
    assert result.exit_code != 0
    assert not receipt.exists()


def _receipt(app, runner, out_dir, age_key, tmp_path, make_inquiry, handler):
    make_inquiry(handler)
    package, _sha, _seq = _export(app, out_dir, age_key)
    receipt = tmp_path / "kvitto.json"
    assert _verify(runner, package, age_key, receipt).exit_code == 0
    return receipt


def _not_confirmed(app) -> bool:
    with app.app_context():
        return all(b.receipt_confirmed_at is None for b in db.session.scalars(db.select(HandoverBatch)))


def test_a_forged_hash_is_refused(app, runner, out_dir, age_key, tmp_path, make_inquiry, handler):
    receipt = _receipt(app, runner, out_dir, age_key, tmp_path, make_inquiry, handler)
    data = json.loads(receipt.read_text(encoding="utf-8"))
    data["sha256"] = "0" * 64
    receipt.write_text(json.dumps(data), encoding="utf-8")
    result = runner.invoke(args=["handover", "confirm", str(receipt)])
    assert result.exit_code != 0
    assert "stämmer inte" in result.output and "SHA-256" in result.output
    assert _not_confirmed(app)


def test_mismatching_counts_or_sequence_are_refused(app, runner, out_dir, age_key, tmp_path, make_inquiry, handler):
    receipt = _receipt(app, runner, out_dir, age_key, tmp_path, make_inquiry, handler)
    data = json.loads(receipt.read_text(encoding="utf-8"))
    for change, expected in ((lambda d: d["counts"].update(inquiries=99), "antal inquiries"),
                             (lambda d: d["counts"]["files"].update({"contacts.csv": 7}), "per fil"),
                             (lambda d: d.update(sequence=d["sequence"] + 1), "inget skrivet paket med nummer")):
        forged = json.loads(json.dumps(data))
        change(forged)
        path = tmp_path / "forged.json"
        path.write_text(json.dumps(forged), encoding="utf-8")
        result = runner.invoke(args=["handover", "confirm", str(path)])
        assert result.exit_code != 0 and expected in result.output, result.output
    assert _not_confirmed(app)
    not_a_receipt = tmp_path / "annat.json"
    not_a_receipt.write_text('{"format": "något annat"}', encoding="utf-8")
    result = runner.invoke(args=["handover", "confirm", str(not_a_receipt)])
    assert result.exit_code != 0 and "inget överlämningskvitto" in result.output


def test_a_duplicate_receipt_is_refused(app, runner, out_dir, age_key, tmp_path, make_inquiry, handler):
    receipt = _receipt(app, runner, out_dir, age_key, tmp_path, make_inquiry, handler)
    assert runner.invoke(args=["handover", "confirm", str(receipt)]).exit_code == 0
    again = runner.invoke(args=["handover", "confirm", str(receipt)])
    assert again.exit_code != 0
    assert "redan kvitterat" in again.output
