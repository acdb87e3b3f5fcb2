"""Migration 0012 moves PostgreSQL's inquiry search from the tsvector table (still kept up to date
for the previous release) to the term table, and back on downgrade, keeping what is searchable
(and what retention removed) as it was. It also writes SQLite's terms again with the corrected
stemmer."""

from flask_migrate import downgrade, upgrade
from sqlalchemy import select, text

from supportline.auth.models import User
from supportline.db import utcnow
from supportline.extensions import db
from supportline.inquiries import service
from supportline.inquiries.models import Inquiry, InquiryTerm
from supportline.inquiries.search import Filters, search_inquiries
from supportline.retention.service import anonymise
from supportline.transactions import write_transaction


def _found(handler_id, words: str) -> list[int]:
    actor = db.session.get(User, handler_id)
    return sorted(r.id for r in search_inquiries(actor, Filters(q=words), audit=False).items)


def test_searchable_text_survives_a_downgrade_and_upgrade(app, create_user, make_inquiry):
    handler = create_user("handler")
    kept = make_inquiry(handler, summary="Skolan oroar sig för tvångsgifte under sommarlovet, direkt.")
    gone = make_inquiry(handler, summary="Tvångsgifte och utreseförbud diskuterades.")
    with app.app_context():
        service.add_entry(db.session.get(User, handler.id), kept, "note", "Kuratorn nämnde hedersnormer.")
        with write_transaction():  # anonymise() writes in its caller's transaction
            anonymise(db.session.get(Inquiry, gone), utcnow())
        assert _found(handler.id, "tvångsgifta") == [kept]
        assert _found(handler.id, "hedersnorm") == [kept]

        downgrade(revision="0011")
        db.engine.dispose()
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect() as conn:
                assert conn.execute(text("SELECT count(*) FROM inquiry_terms")).scalar() == 0
                hits = conn.execute(text("SELECT inquiry_id FROM inquiry_search WHERE document @@ "
                                         "plainto_tsquery('swedish', 'hedersnormerna')")).scalars().all()
                assert hits == [kept]
                documents = conn.execute(text("SELECT inquiry_id FROM inquiry_search")).scalars().all()
                assert documents == [kept]

        else:
            # As the stemmer of 0011 wrote it: "direkt" kept its kt.
            with db.engine.begin() as conn:
                conn.execute(text("UPDATE inquiry_terms SET term = 'direkt' WHERE term = 'direk'"))

        upgrade()
        db.engine.dispose()
        assert _found(handler.id, "direkta") == [kept]
        assert _found(handler.id, "tvångsgifta") == [kept]
        assert _found(handler.id, "hedersnormerna") == [kept]
        assert _found(handler.id, "utreseförbud") == []
        assert db.session.scalars(select(InquiryTerm.inquiry_id).distinct()).all() == [kept]


def test_reindex_gives_back_what_the_previous_release_saved_during_a_rollout(app, runner, create_user,
                                                                            make_inquiry):
    """While a release rolls out, the previous version still saves inquiries without terms; the
    guide has the operator run `supportline inquiries reindex --since <start of the release>`."""
    handler = create_user("handler")
    before = make_inquiry(handler, summary="Frågan gällde utreseförbud för en flicka.")
    with app.app_context():
        started = utcnow()
    during = make_inquiry(handler, summary="Skolan befarar tvångsgifte under lovet.")
    gone = make_inquiry(handler, summary="Tvångsgifte och hot från bröder.")
    with app.app_context():
        with write_transaction():  # anonymise() writes in its caller's transaction
            anonymise(db.session.get(Inquiry, gone), utcnow())
        with db.engine.begin() as conn:  # as the previous release left them: no terms
            conn.execute(text("DELETE FROM inquiry_terms WHERE inquiry_id IN (:a, :b)"), {"a": before, "b": during})
        assert _found(handler.id, "tvångsgifta") == []

    bad = runner.invoke(args=["inquiries", "reindex", "--since", "i går"])
    assert bad.exit_code != 0 and "ÅÅÅÅ-MM-DD" in bad.output
    result = runner.invoke(args=["inquiries", "reindex", "--since", started.isoformat()])
    assert result.exit_code == 0 and "för 1 ärende." in result.output
    with app.app_context():
        assert _found(handler.id, "tvångsgifta") == [during]
        assert _found(handler.id, "utreseförbud") == []  # saved before the release started
    assert "för 2 ärenden" in runner.invoke(args=["inquiries", "reindex"]).output
    with app.app_context():
        assert _found(handler.id, "utreseförbud") == [before]
        assert _found(handler.id, "hot bröder") == []  # anonymised: stays out
