"""Articles in the package keep their review note, the date their rules apply from and the kind of
each source, so the receiver's editors see what the last review left to verify."""

from __future__ import annotations

import json
import tarfile

from supportline.handover import service
from supportline.handover.verify import verify_package
from supportline.kb import service as kb
from tests.kb.conftest import article_text

FRONT = """in_force_since: 2025-07-01
reviewed_on: 2026-01-15
reviewed_by: Redaktionen
review_note: Granskad mot socialtjänstlagen; öppettiderna återstår att verifiera.
"""


def test_package_carries_review_fields_and_the_receiver_keeps_them(app, out_dir, age_key, tmp_path, migrated_sqlite):
    from flask_migrate import upgrade

    from supportline.extensions import db
    from supportline.handover.importer import import_package
    from supportline.kb.models import Article
    from tests.conftest import make_app

    content = tmp_path / "content"
    content.mkdir()
    text = article_text(body="Rådgör med {{stodlinjen}}.").replace(
        "reviewed_on: 2026-01-15\nreviewed_by: Redaktionen\n", FRONT).replace(
        "  url: https://www.socialstyrelsen.se/\n", "  url: https://www.socialstyrelsen.se/\n"
        "- publisher: Studentlitteratur\n  title: En handbok\n  year: 2025\n  kind: bok\n")
    (content / "orosanmalan-i-skolan.md").write_text(text, encoding="utf-8")
    with app.app_context():
        kb.import_directory(None, content)
        batch = service.export(kind="full", out_dir=out_dir, recipient=None, plaintext=True)
    assert verify_package(out_dir / batch.file_name).ok
    with tarfile.open(out_dir / batch.file_name) as tar:
        item = json.loads(tar.extractfile("articles.jsonl").read().splitlines()[0])
        readme = tar.extractfile("LÄSMIG.txt").read().decode()
    assert item["review_note"].endswith("återstår att verifiera.") and item["in_force_since"] == "2025-07-01"
    assert item["sources"][1] == {"publisher": "Studentlitteratur", "title": "En handbok", "year": 2025, "url": None,
                                 "kind": "bok"}
    # The receiving installation fills in its own contact: the placeholder travels as written.
    assert "{{stodlinjen}}" in item["body_markdown"]
    assert "Stödtelefonen för yrkesverksamma vid Nationellt centrum för kvinnofrid" in readme

    with app.app_context():
        batch = service.export(kind="full", out_dir=tmp_path / "enc", recipient=age_key["recipient"])
    receiver = make_app(migrated_sqlite(tmp_path / "nck.db"), tmp_path / "nck")
    with receiver.app_context():
        upgrade()
        import_package(tmp_path / "enc" / batch.file_name, age_key["identity_file"])
        row = db.session.scalar(db.select(Article))
        assert row.review_note == item["review_note"] and row.in_force_since.isoformat() == "2025-07-01"
        db.engine.dispose()
