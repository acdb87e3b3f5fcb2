"""The support line's contact as one setting, and its placeholders in articles."""

from __future__ import annotations

import pytest

import knowledge
from knowledge.contact import load_line_contact

CONFIRMED = {"phone": "018-471 00 00", "hours": "vardagar kl. 9–12"}


def test_shipped_default_names_nck_and_gives_no_number():
    contact = load_line_contact()
    assert "Nationellt centrum för kvinnofrid" in contact.operator
    assert not contact.show_phone and not contact.show_hours
    text = knowledge.expand("Rådgör med {{stodlinjen}} utan att uppge namn.", contact)
    assert "010-223 57 60" not in text and "{{" not in text
    assert "[NCK:s webbplats](https://www.nck.uu.se/)" in text
    assert "telefonnummer" in contact.warning and "öppettider" in contact.warning


def test_confirmed_number_and_hours_are_written_into_the_phrase():
    contact = load_line_contact(CONFIRMED)
    assert contact.warning is None or "telefonnummer" not in contact.warning
    text = knowledge.expand("Kontakta {{stodlinjen}}. Öppet {{stodlinjen.oppettider}}.", contact)
    assert "telefon 018-471 00 00, vardagar kl. 9–12" in text
    assert "Öppet vardagar kl. 9–12." in text
    assert contact.tel_href == "tel:+46184710000"


def test_changed_hours_follow_the_hours():
    contact = load_line_contact({**CONFIRMED, "changed_hours": "stängt 24–26 december"})
    assert knowledge.expand("{{stodlinjen.oppettider}}", contact) == "vardagar kl. 9–12 (stängt 24–26 december)"


def test_single_facts_never_show_an_unconfirmed_number():
    contact = load_line_contact({"hours": "vardagar kl. 9–12"})
    assert knowledge.expand("{{stodlinjen.telefon}}", contact).startswith("se [NCK:s webbplats]")
    assert knowledge.expand("{{ stodlinjen.namn }}", contact) == contact.name
    assert knowledge.expand("{{stodlinjen.huvudman}}", contact) == contact.operator


def test_unknown_placeholder_is_left_and_reported():
    text = "Kontakta {{stodlinjen.fax}} eller {{stodlinjen}}."
    assert knowledge.unknown_placeholders(text) == ["stodlinjen.fax"]
    assert "{{stodlinjen.fax}}" in knowledge.expand(text, load_line_contact())


def test_unknown_override_is_refused():
    with pytest.raises(ValueError, match="okänd"):
        load_line_contact({"fax": "1"})


def test_fingerprint_changes_with_the_setting():
    assert load_line_contact().fingerprint != load_line_contact(CONFIRMED).fingerprint


def test_expanded_article_renders_the_number_as_a_tel_link():
    article = knowledge.Article(slug="a", title="A", summary="Ring {{stodlinjen.namn}}.",
                                body="Rådgör med {{stodlinjen}}.", sources=[])
    expanded = knowledge.expand_article(article, load_line_contact(CONFIRMED))
    assert "{{" not in expanded.summary + expanded.body
    html = knowledge.render_markdown(expanded.body)
    assert '<a href="tel:+46184710000">018-471 00 00</a>' in html
