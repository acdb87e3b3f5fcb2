"""Case search finds what a handler types, not only the exact stem: the labels of a case's codes,
the guidance search's synonyms and compound splitting, and Swedish definite forms."""

from __future__ import annotations

import pytest

from supportline.auth.models import User
from supportline.extensions import db
from supportline.inquiries import stemming
from supportline.inquiries.search import Filters, reindex_inquiries, search_inquiries


def _found(app, handler, q: str) -> set[int]:
    with app.app_context():
        actor = db.session.get(User, handler.id)
        return {r.id for r in search_inquiries(actor, Filters(q=q), audit=False).items}


@pytest.fixture
def cases(create_user, make_inquiry):
    handler = create_user("handler")
    plain = dict(exposure_types=["control"], question_topics=["other"], referrals=[], perpetrator_relations=["parent"],
                 advice="Gav allmänna råd.")
    abroad = make_inquiry(handler, summary="Skolan är orolig inför sommarlovet.", **{
        **plain, "exposure_types": ["abroad"]})
    married_off = make_inquiry(handler, summary="Familjen vill att hon ska giftas bort i hemlandet.", **plain)
    passport = make_inquiry(handler, summary="Pappan har tagit hennes pass.", **plain)
    forced = make_inquiry(handler, summary="Hon säger att hon blir gift mot sin vilja.", **plain)
    other = make_inquiry(handler, summary="Fråga om samverkan med polisen.", **plain)
    return handler, {"abroad": abroad, "married_off": married_off, "passport": passport, "forced": forced,
                     "other": other}


def test_the_labels_of_a_cases_codes_are_searched(app, cases):
    handler, ids = cases
    assert _found(app, handler, "utomlands") == {ids["abroad"]}
    assert _found(app, handler, "kvarhållas utomlands") == {ids["abroad"]}


def test_a_compound_is_split_into_words_cases_use(app, cases):
    handler, ids = cases
    assert _found(app, handler, "bortgifte") == {ids["married_off"]}


def test_a_definite_form_finds_the_bare_word_and_back(app, cases, make_inquiry):
    handler, ids = cases
    assert _found(app, handler, "passet") == {ids["passport"]}
    later = make_inquiry(handler, summary="Passet är borttaget av familjen.", exposure_types=["control"])
    assert _found(app, handler, "pass") == {ids["passport"], later}


def test_synonyms_come_from_the_guidance_list(app, cases):
    handler, ids = cases
    # "tvångsgifte" and "gift mot sin vilja" are one group in knowledge/data/synonyms.yaml.
    assert _found(app, handler, "tvångsgifte") == {ids["forced"]}
    assert _found(app, handler, "tvångsäktenskap") == {ids["forced"]}


def test_every_word_still_has_to_match(app, cases):
    handler, ids = cases
    assert _found(app, handler, "bortgifte polisen") == set()
    assert _found(app, handler, "samverkan polisen") == {ids["other"]}


def test_reindex_writes_the_new_terms_for_old_rows(app, cases):
    """Rows indexed by an earlier release (stems of the text only) are found after a reindex."""
    from supportline.inquiries.models import InquiryTerm

    handler, ids = cases
    with app.app_context():
        db.session.query(InquiryTerm).filter(InquiryTerm.term == "utomland").delete()
        db.session.commit()
    assert _found(app, handler, "utomlands") == set()
    with app.app_context():
        assert reindex_inquiries() == 5
    assert _found(app, handler, "utomlands") == {ids["abroad"]}


def test_query_terms_without_a_lookup_do_not_split():
    assert stemming.query_terms("bortgifte") == ["bortgift"]
    assert stemming.query_terms("bortgifte", lambda wanted: {"bort", "gift"} & wanted) == ["bort", "gift"]
