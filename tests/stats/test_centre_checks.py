"""Every check on a coordinator's resource-centre form, message by message (the form shows them
beside the fields, so the exact Swedish text and the field it belongs to are what a user sees)."""

from __future__ import annotations

import datetime as dt

import pytest

from supportline.dates import today_local
from supportline.stats.centres import CentreError, clean

GOOD = {
    "county_code": "21", "status": "established", "name": " Resurscentrum Gävleborg ",
    "host_organisation": "Region Gävleborg", "contact": "Via växeln", "note": "",
    "offers": "Stöd till yrkesverksamma", "hours": "Vardagar 8–16", "since": "2019-01-01",
    "verified_on": "2026-11-30", "needs_verification": "", "whole_county": "y",
    "municipalities": "Gävle, 2180\nGävle", "phone": "026-15 50 00",
    "website": "https://www.regiongavleborg.se", "sources": "\n https://a.example/1 \n\nhttps://a.example/2\n",
}


def _errors(**changes) -> dict[str, str]:
    with pytest.raises(CentreError) as caught:
        clean({**GOOD, **changes})
    return caught.value.errors


def test_a_good_form_gives_clean_values():
    assert clean(GOOD) == {
        "county_code": "21", "status": "established", "name": "Resurscentrum Gävleborg",
        "host_organisation": "Region Gävleborg", "contact": "Via växeln", "note": "",
        "offers": "Stöd till yrkesverksamma", "hours": "Vardagar 8–16", "since": dt.date(2019, 1, 1),
        "verified_on": dt.date(2026, 11, 30), "needs_verification": False, "whole_county": True,
        "municipality_codes": "2180", "phone": "026-15 50 00", "website": "https://www.regiongavleborg.se",
        "sources": "https://a.example/1\nhttps://a.example/2",
    }


def test_empty_optional_fields_are_empty_not_errors():
    data = clean({"county_code": "09", "status": "none"})
    assert data["name"] == "" and data["since"] is None and data["verified_on"] is None
    assert (data["municipality_codes"], data["phone"], data["website"], data["sources"]) == ("", "", "", "")


@pytest.mark.parametrize("changes,field,message", [
    ({"county_code": "99"}, "county_code", "Välj ett län i listan."),
    ({"county_code": None}, "county_code", "Välj ett län i listan."),
    ({"status": "closed"}, "status", "Välj en status i listan."),
    ({"name": "n" * 201}, "name", "Namnet får vara högst 200 tecken."),
    ({"name": "  "}, "name", "Ange resurscentrumets namn."),
    ({"name": "", "status": "developing"}, "name", "Ange resurscentrumets namn."),
    ({"host_organisation": "h" * 201}, "host_organisation", "Värdorganisationen får vara högst 200 tecken."),
    ({"contact": "c" * 1001}, "contact", "Kontaktuppgiften får vara högst 1000 tecken."),
    ({"note": "a" * 2001}, "note", "Anteckningen får vara högst 2000 tecken."),
    ({"offers": "o" * 2001}, "offers", "Beskrivningen av vad centrumet erbjuder får vara högst 2000 tecken."),
    ({"hours": "t" * 201}, "hours", "Öppettiderna får vara högst 200 tecken."),
    ({"since": "1 januari 2019"}, "since", "Ange datumet som ÅÅÅÅ-MM-DD."),
    ({"since": "1999-12-31"}, "since", "Datumet verkar inte stämma. Ange när centrumet startade (ÅÅÅÅ-MM-DD)."),
    ({"since": (today_local() + dt.timedelta(days=3651)).isoformat()}, "since",
     "Datumet verkar inte stämma. Ange när centrumet startade (ÅÅÅÅ-MM-DD)."),
    ({"verified_on": "2026-02-30"}, "verified_on", "Ange datumet som ÅÅÅÅ-MM-DD."),
    ({"verified_on": (today_local() + dt.timedelta(days=1)).isoformat()}, "verified_on",
     "Ange dagen då uppgifterna kontrollerades (ÅÅÅÅ-MM-DD, inte i framtiden)."),
    ({"verified_on": "1999-12-31"}, "verified_on",
     "Ange dagen då uppgifterna kontrollerades (ÅÅÅÅ-MM-DD, inte i framtiden)."),
    ({"municipalities": "Gävle, Atlantis, A, B, C, D, E"}, "municipalities",
     "Okänd kommun: Atlantis, A, B, C, D. Skriv kommunens namn eller kommunkod, med kommatecken emellan."),
    ({"phone": "ring växeln"}, "phone", "Ange ett publicerat telefonnummer med siffror, t.ex. 010-123 45 67."),
    ({"website": "www.example.se"}, "website", "Ange en webbadress som börjar med https:// (högst 500 tecken)."),
    ({"website": "https://e.se/" + "p" * 488}, "website",
     "Ange en webbadress som börjar med https:// (högst 500 tecken)."),
    ({"sources": "https://ok.example\nen bok om " + "b" * 100}, "sources",
     "Varje källa ska vara en webbadress som börjar med https://, en per rad: en bok om " + "b" * 70),
    ({"sources": "https://e.se/" + "p" * 488}, "sources",
     "Varje källa ska vara en webbadress som börjar med https://, en per rad: https://e.se/" + "p" * 67),
])
def test_each_mistake_has_its_message_on_its_field(changes, field, message):
    assert _errors(**changes) == {field: message}


def test_the_longest_accepted_values_pass():
    data = clean({**GOOD, "name": "n" * 200, "note": "a" * 2000, "website": "https://e.se/" + "p" * 487,
                  "since": "2000-01-01", "verified_on": today_local().isoformat()})
    assert len(data["name"]) == 200 and len(data["website"]) == 500


def test_all_mistakes_at_once_come_in_the_forms_order():
    errors = _errors(county_code="", status="", name="n" * 201, host_organisation="h" * 201, contact="c" * 1001,
                     note="a" * 2001, offers="o" * 2001, hours="t" * 201, since="x", verified_on="x",
                     municipalities="Atlantis", phone="x", website="x", sources="x")
    assert list(errors) == ["county_code", "status", "name", "host_organisation", "contact", "note", "offers",
                            "hours", "since", "verified_on", "municipalities", "phone", "website", "sources"]


def test_a_missing_name_is_reported_after_the_note_and_before_the_hours():
    # The joint message (str of the error) follows the order the checks ran in.
    with pytest.raises(CentreError) as caught:
        clean({**GOOD, "name": "", "note": "a" * 2001, "hours": "t" * 201})
    assert str(caught.value) == ("Anteckningen får vara högst 2000 tecken.; Ange resurscentrumets namn.; "
                                 "Öppettiderna får vara högst 200 tecken.")
