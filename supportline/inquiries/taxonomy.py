"""The inquiry taxonomies as data: stable codes (stored, exported, used by the API) with
Swedish labels (shown). See DOMAIN.md; a code is never renamed once in use."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from knowledge.taxonomy import AUDIENCES, TOPICS

CHANNELS = {"phone": "Telefon", "email": "E-post", "chat": "Chatt", "other": "Annat"}

CALLER_TYPES = {
    "professional": "Yrkesverksam",
    "volunteer": "Ideellt engagerad",
    "exposed": "Utsatt (hänvisa till Rätt att välja eller Kvinnofridslinjen)",
    "relative": "Närstående",
    "other": "Annan",
}

# The caller sectors are the audiences of the guidance, and the question topics its topics:
# one list each, kept in knowledge/taxonomy.py, so an inquiry and an article are coded alike.
SECTORS = AUDIENCES

AGE_GROUPS = {
    "0-5": "0–5 år", "6-12": "6–12 år", "13-15": "13–15 år", "16-17": "16–17 år",
    "18-20": "18–20 år", "21-25": "21–25 år", "26+": "26 år eller äldre", "unknown": "Okänd ålder",
}

GENDERS = {"girl_woman": "Flicka/kvinna", "boy_man": "Pojke/man", "other": "Annat", "unknown": "Okänt"}

PERPETRATOR_RELATIONS = {
    "parent": "Förälder",
    "sibling": "Syskon",
    "partner": "Make/maka/partner",
    "other_relative": "Annan släkting",
    "in_law": "Svärfamilj",
    "community": "Omgivning/nätverk",
    "unknown": "Okänd",
}

EXPOSURE_TYPES = {
    "control": "Kontroll och begränsningar",
    "psychological": "Psykiskt våld och hot",
    "death_threat": "Dödshot",
    "physical": "Fysiskt våld",
    "sexual": "Sexuellt våld",
    "forced_marriage": "Tvångsäktenskap",
    "child_marriage": "Barnäktenskap",
    "abroad": "Risk att föras eller kvarhållas utomlands",
    "fgm": "Könsstympning",
    "virginity_norms": "Oskuldsnormer",
    "lgbtqi": "HBTQI-relaterat förtryck",
    "other": "Annat",
}

QUESTION_TOPICS = TOPICS

URGENCIES = {"acute": "Akut – omedelbar fara (hänvisa till 112)", "high": "Hög", "normal": "Normal"}

REFERRALS = {
    "resource_centre": "Länets regionala resurscentrum",
    "police": "Polisen",
    "social_services": "Socialtjänsten",
    "kvinnofridslinjen": "Kvinnofridslinjen",
    "ratt_att_valja": "Rätt att välja",
    "barnahus": "Barnahus",
    "other": "Annat",
    # Added with the outcomes (schema version 2): the places a call is referred to besides the
    # county's resource centre, which the outcomes name by the centre itself.
    "stodlinjen_man": "Stödlinjen för män (NCK)",
    "stodlinjen_trans": "Stödlinjen för transpersoner (NCK)",
    "ud_consular": "UD:s konsulära stöd",
}

# What a call led to (a list per inquiry). The three centre outcomes refer to one regional
# resource centre of the directory, kept beside them (InquiryCentre); "referred_elsewhere"
# says where in `referrals`.
OUTCOMES = {
    "advice_only": "Enbart råd och stöd",
    "report_of_concern": "Rekommenderade orosanmälan",
    "police_report": "Rekommenderade polisanmälan",
    "centre_referred": "Hänvisad till länets resurscentrum",
    "centre_connected": "Kopplad vidare till resurscentrum",
    "centre_in_contact": "Har redan kontakt med resurscentrum",
    "referred_elsewhere": "Hänvisad till annan instans",
    "follow_up_booked": "Uppföljning bokad",
}
CENTRE_OUTCOMES = ("centre_referred", "centre_connected", "centre_in_contact")

# A person of a case: exposed, or only mentioned (a sibling at risk, a parent who is not the
# one exposed). Only exposed persons count as the case's persons in the statistics.
PERSON_ROLES = {"exposed": "Utsatt", "mentioned": "Omnämnd (inte utsatt)"}

# How a case is made up, derived from its exposed persons (composition.py), never typed.
COMPOSITIONS = {
    "one_person": "En person",
    "siblings": "Syskon",
    "parent_with_children": "Förälder med barn",
    "couple": "Par",
    "other": "Annan eller okänd sammansättning",
}

STATUSES = {"open": "Öppen", "awaiting": "Väntar på återkoppling", "closed": "Avslutad"}

TIMELINE_KINDS = {
    "contact": "Kontakt",
    "note": "Intern anteckning",
    "status": "Statusändring",
    "follow_up": "Uppföljning",
    "article_link": "Länkad vägledning",
    "assignment": "Tilldelning",
    "edit": "Ändrade uppgifter",
}

# ISO 3166-2:SE numeric code -> (letter, name)
COUNTIES = {
    "01": ("AB", "Stockholms län"), "03": ("C", "Uppsala län"), "04": ("D", "Södermanlands län"),
    "05": ("E", "Östergötlands län"), "06": ("F", "Jönköpings län"), "07": ("G", "Kronobergs län"),
    "08": ("H", "Kalmar län"), "09": ("I", "Gotlands län"), "10": ("K", "Blekinge län"),
    "12": ("M", "Skåne län"), "13": ("N", "Hallands län"), "14": ("O", "Västra Götalands län"),
    "17": ("S", "Värmlands län"), "18": ("T", "Örebro län"), "19": ("U", "Västmanlands län"),
    "20": ("W", "Dalarnas län"), "21": ("X", "Gävleborgs län"), "22": ("Y", "Västernorrlands län"),
    "23": ("Z", "Jämtlands län"), "24": ("AC", "Västerbottens län"), "25": ("BD", "Norrbottens län"),
}
COUNTY_LABELS = {code: name for code, (_letter, name) in COUNTIES.items()}

# The multi-valued code lists, stored as rows of inquiry_codes(kind, code) so they can be filtered.
CODE_KINDS = {
    "perpetrator_relations": PERPETRATOR_RELATIONS,
    "exposure_types": EXPOSURE_TYPES,
    "question_topics": QUESTION_TOPICS,
    "referrals": REFERRALS,
    "outcomes": OUTCOMES,
}

DATA_DIR = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True)
class Municipality:
    code: str
    name: str
    county_code: str


@cache
def municipalities() -> dict[str, Municipality]:
    """Sweden's 290 municipalities (SCB kommunkod) with their county, in code order."""
    with (DATA_DIR / "municipalities.csv").open(encoding="utf-8", newline="") as fh:
        rows = [Municipality(r["code"], r["name"], r["county_code"]) for r in csv.DictReader(fh)]
    return {m.code: m for m in rows}


def municipality_label(code: str | None) -> str:
    m = municipalities().get(code or "")
    return m.name if m else ""


def person_label(person: dict, *, gender_first: bool = False) -> str:
    """A person of a case in words: "26 år eller äldre, Flicka/kvinna (förövare: make/maka/partner)",
    with "omnämnd" for a person only mentioned. The case page names the gender first."""
    age = AGE_GROUPS.get(person.get("age_group") or "unknown", "")
    gender = GENDERS.get(person.get("gender") or "unknown", "")
    text = f"{gender}, {age}" if gender_first else f"{age}, {gender}"
    if person.get("role") == "mentioned":
        text += ", omnämnd"
    relations = [PERPETRATOR_RELATIONS.get(r, r).lower() for r in person.get("perpetrator_relations") or []]
    return text + (f" (förövare: {', '.join(relations)})" if relations else "")
