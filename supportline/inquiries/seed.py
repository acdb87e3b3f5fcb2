"""Synthetic inquiries for demos and benchmarks: spread over years, counties and the
taxonomies in the proportions of DOMAIN.md. Made from fixed phrases, so they never contain
a real person. Bulk inserts: 100,000 inquiries take well under two minutes."""

from __future__ import annotations

import datetime as dt
import random
from functools import lru_cache
from typing import NamedTuple

from sqlalchemy import func, insert, select, text

from supportline.extensions import db
from supportline.inquiries import stemming
from supportline.inquiries import taxonomy as tx
from supportline.inquiries.models import ExposedPerson, Inquiry, InquiryCentre, InquiryCode, InquiryTerm
from supportline.inquiries.search import code_labels
from supportline.stats.models import ACTIVE_STATUSES, ResourceCentre
from supportline.transactions import end_read, write_transaction

# Cases per year from the line's report (2014-03-13 to 2020), then a steady ~1,000 a year.
YEARS = {2014: 187, 2015: 298, 2016: 455, 2017: 600, 2018: 959, 2019: 1019, 2020: 784}
COUNTY_WEIGHTS = {"01": 24, "03": 4, "04": 3, "05": 5, "06": 3.5, "07": 2, "08": 2.3, "09": .6, "10": 1.5,
                  "12": 13, "13": 3.2, "14": 17, "17": 2.7, "18": 2.9, "19": 2.7, "20": 2.8, "21": 2.7,
                  "22": 2.4, "23": 1.3, "24": 2.6, "25": 2.4}
SECTORS = {"social_services": 38, "school": 25, "preschool": 4, "health": 12, "police": 6, "prosecution": 1,
           "civil_society": 5, "migration": 2, "other_authority": 4, "other": 3}
CALLER_TYPES = {"professional": 90, "volunteer": 3, "relative": 3, "exposed": 2, "other": 2}
AGE_GROUPS = {"0-5": 4, "6-12": 14, "13-15": 20, "16-17": 20, "18-20": 15, "21-25": 12, "26+": 10, "unknown": 5}
GENDERS = {"girl_woman": 80, "boy_man": 15, "other": 2, "unknown": 3}
PERPETRATORS = {"parent": .66, "sibling": .17, "partner": .15, "other_relative": .16, "in_law": .05,
                "community": .04}
EXPOSURES = {"control": .7, "psychological": .5, "death_threat": .12, "physical": .3, "sexual": .05,
             "forced_marriage": .2, "child_marriage": .05, "abroad": .15, "fgm": .03, "virginity_norms": .1,
             "lgbtqi": .05}
TOPICS = {"risk_assessment": .45, "report_of_concern": .2, "lvu": .2, "exit_ban": .06, "protected_housing": .15,
          "police_report": .1, "cooperation": .2, "legislation": .12, "school": .1, "health_care": .05,
          "method": .15}
REFERRALS = {"resource_centre": .2, "police": .15, "social_services": .3, "kvinnofridslinjen": .05,
             "ratt_att_valja": .05, "barnahus": .05, "ud_consular": .02, "stodlinjen_man": .01}
# How cases are made up (the series: mostly one person, then a parent with children and siblings),
# as the age groups of their exposed persons; composition.py reads the same shapes back.
SHAPES = {"one_person": 72, "parent_with_children": 11, "siblings": 10, "couple": 4, "other": 3}
CHILD_AGES = {"0-5": 20, "6-12": 40, "13-15": 25, "16-17": 15}
# Outcomes besides those that follow from the referrals and the follow-up date.
OUTCOME_CHANCES = {"report_of_concern": .25, "police_report": .1, "advice_only": .35}
ROLES = {"social_services": "Socialsekreterare", "school": "Skolkurator", "preschool": "Förskollärare",
         "health": "Skolsköterska", "police": "Utredare", "prosecution": "Åklagare",
         "civil_society": "Volontär", "migration": "Handläggare", "other_authority": "Handläggare", "other": ""}
WHO = {"girl_woman": "en flicka", "boy_man": "en pojke", "other": "en ung person", "unknown": "en ung person"}
EXPOSURE_PHRASES = {
    "control": "kontrolleras i vardagen och får inte träffa kompisar efter skolan",
    "psychological": "utsätts för hot och kränkningar hemma",
    "death_threat": "har berättat om dödshot från släkten",
    "physical": "har synliga blåmärken och berättar om slag",
    "sexual": "berättar om sexuella övergrepp",
    "forced_marriage": "oroar sig för ett planerat tvångsgifte",
    "child_marriage": "har gifts bort religiöst som minderårig",
    "abroad": "ska enligt uppgift föras utomlands under sommarlovet",
    "fgm": "riskerar könsstympning vid en resa till släkten",
    "virginity_norms": "pressas att bevisa sin oskuld",
    "lgbtqi": "har kommit ut som homosexuell och hotas av familjen",
}
TOPIC_PHRASES = {
    "risk_assessment": "Frågan gäller hur en riskbedömning ska göras.",
    "report_of_concern": "Hen undrar om en orosanmälan ska göras och hur.",
    "lvu": "Frågan gäller placering enligt LVU.",
    "exit_ban": "Hen vill veta hur utreseförbud fungerar.",
    "protected_housing": "Frågan gäller placering i skyddat boende.",
    "police_report": "Hen undrar om polisanmälan.",
    "cooperation": "Samverkan mellan skola och socialtjänst fungerar inte.",
    "legislation": "Frågan gäller lagstiftningen om hedersförtryck.",
    "school": "Skolan undrar över sitt ansvar.",
    "health_care": "Vården undrar hur de ska agera.",
    "method": "Hen vill ha metodstöd i samtalet med den unga.",
}
ADVICE_PHRASES = {
    "risk_assessment": "Rekommenderade en strukturerad riskbedömning med PATRIARK.",
    "report_of_concern": "Rådde att göra en orosanmälan till socialtjänsten utan dröjsmål.",
    "lvu": "Gick igenom förutsättningarna för LVU och omedelbart omhändertagande.",
    "exit_ban": "Förklarade utreseförbud enligt LVU och hur det söks.",
    "protected_housing": "Beskrev placering i skyddat boende och säkerhetsfrågor.",
    "police_report": "Rådde att polisanmäla och att kontakta polisens brottsofferstöd.",
    "cooperation": "Föreslog ett samverkansmöte och hänvisade till den myndighetsgemensamma vägledningen.",
    "legislation": "Gick igenom brottet hedersförtryck och äktenskapstvång.",
    "school": "Hänvisade till Skolverkets stödmaterial.",
    "health_care": "Hänvisade till Socialstyrelsens vägledning för hälso- och sjukvården.",
    "method": "Gav råd om samtal med barnet enskilt och med tolk vid behov.",
}


def _pick(rng: random.Random, weights: dict) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _sample(rng: random.Random, probabilities: dict, fallback: str) -> list[str]:
    chosen = [code for code, p in probabilities.items() if rng.random() < p]
    return chosen or [fallback]


@lru_cache(maxsize=50_000)
def _terms(text_: str, labels: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(stemming.index_terms(text_, labels))


def _year_weights(now: dt.datetime) -> dict[int, float]:
    weights = dict(YEARS)
    for year in range(2021, now.year + 1):
        weights[year] = 1000
    return weights


class _Plan(NamedTuple):
    """What every seeded inquiry is drawn from."""

    now: dt.datetime
    years: dict[int, float]
    by_county: dict[str, list[str]]
    created_by_ids: list[int]
    centres: dict[str, list[tuple[int, str]]]  # county -> its active centres (id, name)


def _case_persons(rng: random.Random, gender: str, age: str) -> list[dict]:
    """The exposed persons of one case, in a shape the series counts, then perhaps one mentioned."""
    shape = _pick(rng, SHAPES)
    if shape == "one_person":
        persons = [(age, gender)]
    elif shape == "parent_with_children":
        persons = [("26+", "girl_woman" if rng.random() < .85 else "boy_man")] + [
            (_pick(rng, CHILD_AGES), _pick(rng, GENDERS)) for _ in range(rng.choice([1, 1, 2, 3]))]
    elif shape == "siblings":
        persons = [(_pick(rng, CHILD_AGES), _pick(rng, GENDERS)) for _ in range(rng.choice([2, 2, 3]))]
    elif shape == "couple":
        persons = [(rng.choice(["18-20", "21-25"]), "girl_woman"), (rng.choice(["21-25", "26+"]), "boy_man")]
    else:
        persons = [(_pick(rng, AGE_GROUPS), _pick(rng, GENDERS)) for _ in range(rng.choice([2, 3]))]
    rows = [{"age_group": a, "gender": g, "role": "exposed"} for a, g in persons]
    if rng.random() < .12:  # a sibling or parent named in the call who is not exposed
        rows.append({"age_group": _pick(rng, AGE_GROUPS), "gender": _pick(rng, GENDERS), "role": "mentioned"})
    return rows


def _person_relations(rng: random.Random, persons: list[dict], case: list[str]) -> None:
    """Each exposed person's perpetrators, drawn from the case's (known for four in five)."""
    known = [r for r in case if r != "unknown"]
    for person in persons:
        chosen = [r for r in known if rng.random() < .8] if person["role"] == "exposed" and rng.random() < .8 else []
        person["perpetrator_relations"] = " ".join(sorted(chosen))


def _outcomes(rng: random.Random, referrals: list[str], follow_up: dt.date | None,
              centres: list[tuple[int, str]]) -> tuple[list[str], tuple[int, str] | None]:
    """What the call led to, consistent with its referrals: the county's centre where it has one,
    "referred elsewhere" when a referral names another place, "advice only" only without either."""
    outcomes = [code for code, chance in OUTCOME_CHANCES.items() if code != "advice_only" and rng.random() < chance]
    centre = None
    if centres and ("resource_centre" in referrals or rng.random() < .08):
        centre = rng.choice(centres)
        outcomes.append(rng.choices(list(tx.CENTRE_OUTCOMES), [70, 10, 20])[0])
    if set(referrals) - {"resource_centre"}:
        outcomes.append("referred_elsewhere")
    if follow_up is not None and rng.random() < .7:
        outcomes.append("follow_up_booked")
    if not outcomes or (centre is None and "referred_elsewhere" not in outcomes
                        and rng.random() < OUTCOME_CHANCES["advice_only"]):
        outcomes.append("advice_only")
    return sorted(set(outcomes)), centre


def _one(rng: random.Random, plan: _Plan, inquiry_id: int) -> tuple[dict, list[dict], list[dict], list[dict]]:
    """One synthetic inquiry's rows: the inquiry, its persons, its codes and its search terms."""
    now, years, by_county, created_by_ids, _centres = plan
    persons, codes, terms = [], [], []
    year = _pick(rng, years)
    start = dt.datetime(2014, 3, 13, tzinfo=dt.UTC) if year == 2014 else dt.datetime(year, 1, 1, tzinfo=dt.UTC)
    end = min(now - dt.timedelta(hours=1), dt.datetime(year + 1, 1, 1, tzinfo=dt.UTC))
    received = start + dt.timedelta(seconds=rng.randrange(int((end - start).total_seconds())))
    received = received.replace(second=0, microsecond=0)
    county = _pick(rng, COUNTY_WEIGHTS)
    sector = _pick(rng, SECTORS)
    exposures = _sample(rng, EXPOSURES, "other")
    topics = _sample(rng, TOPICS, "other")
    gender = _pick(rng, GENDERS)
    age = _pick(rng, AGE_GROUPS)
    summary = (f"{ROLES[sector] or 'Yrkesverksam'} kontaktar oss om {WHO[gender]} som "
               + " och ".join(EXPOSURE_PHRASES.get(e, "utsätts för förtryck") for e in exposures[:2])
               + ". " + " ".join(TOPIC_PHRASES.get(t, "") for t in topics[:2]))
    advice = " ".join(ADVICE_PHRASES.get(t, "Gav allmänna råd.") for t in topics[:2])
    age_days = (now - received).days
    status = "closed" if age_days > 60 or rng.random() < .5 else rng.choice(["open", "awaiting"])
    follow_up = None
    if status != "closed" and rng.random() < .6:
        follow_up = (now + dt.timedelta(days=rng.randrange(-10, 21))).date()
    organisation = f"{tx.SECTORS[sector]} i {tx.COUNTY_LABELS[county]}"
    inquiry = {
        "id": inquiry_id, "channel": rng.choices(["phone", "email", "chat", "other"], [85, 10, 3, 2])[0],
        "received_at": received, "caller_type": _pick(rng, CALLER_TYPES), "caller_sector": sector,
        "caller_role": ROLES[sector], "caller_organisation": organisation,
        "organisation_key": organisation.lower(), "municipality_code": rng.choice(by_county[county]),
        "county_code": county, "callback_name": None, "callback_phone": None, "callback_phone_key": None,
        "callback_email": None, "urgency": rng.choices(["acute", "high", "normal"], [5, 25, 70])[0],
        "summary": summary, "advice": advice, "follow_up_on": follow_up, "status": status,
        "created_by_id": rng.choice(created_by_ids), "assignee_id": None,
        "duration_seconds": rng.randrange(120, 2400), "version": 1, "created_at": received,
        "updated_at": received,
    }
    case_relations = _sample(rng, PERPETRATORS, "unknown")
    persons = _case_persons(rng, gender, age)
    _person_relations(rng, persons, case_relations)
    for position, person in enumerate(persons):
        person.update(inquiry_id=inquiry_id, position=position)
    referrals = [r for r, p in REFERRALS.items() if rng.random() < p]
    outcomes, centre = _outcomes(rng, referrals, follow_up, plan.centres.get(county, []))
    mine: list[tuple[str, str]] = []
    for kind, values in (("perpetrator_relations", case_relations), ("exposure_types", exposures),
                         ("question_topics", topics), ("referrals", referrals), ("outcomes", outcomes)):
        mine += [(kind, c) for c in values]
    codes += [{"inquiry_id": inquiry_id, "kind": kind, "code": c} for kind, c in mine]
    inquiry["centre"] = (None if centre is None else
                         {"inquiry_id": inquiry_id, "centre_id": centre[0], "name": centre[1], "county_code": county})
    document = "\n".join([summary, advice, ROLES[sector], organisation])
    terms += [{"term": t, "inquiry_id": inquiry_id}
              for t in _terms(document, tuple(code_labels(sector, sorted(mine))))]
    return inquiry, persons, codes, terms


def _plan_for_the_loaded_inquiries() -> None:
    """Statistics for the inquiries just loaded, before their codes, persons and centres are.

    PostgreSQL keeps per connection the plan of each foreign-key check (a code's inquiry exists).
    One made while the table was a page reads the whole table for every row checked; the 31,000
    codes of 4,000 inquiries took 4 s instead of 0.3 s on a connection that had saved a case
    before the load (bench/bench_bulk_load.py). ANALYZE sees this transaction's own rows, and new
    statistics make every plan that reads the table be made again."""
    db.session.execute(text("ANALYZE inquiries"))


def _postgres_after_seed(first_id: int, next_id: int) -> None:
    # For the previous release, which searches the tsvector (see InquirySearchDocument);
    # one set-based statement, the same text as search.document_text.
    db.session.execute(text(
        "INSERT INTO inquiry_search (inquiry_id, document) "
        "SELECT id, to_tsvector('swedish', concat_ws(E'\\n', nullif(summary, ''), nullif(advice, ''), "
        "nullif(caller_role, ''), nullif(caller_organisation, ''))) FROM inquiries WHERE id >= :first"),
        {"first": first_id})
    # Ids were given explicitly; move the sequence past them.
    db.session.execute(text("SELECT setval(pg_get_serial_sequence('inquiries', 'id'), :last)"),
                       {"last": next_id - 1})


def seed_inquiries(n: int, created_by_ids: list[int], *, seed: int = 2026, batch: int = 5000,
                   now: dt.datetime | None = None) -> int:
    """Add inquiries until there are n in all, received before `now`; returns how many were made."""
    existing = db.session.scalar(select(func.count()).select_from(Inquiry)) or 0
    missing = max(0, n - existing)
    if not missing or not created_by_ids:
        end_read()
        return 0
    rng = random.Random(seed + existing)  # noqa: S311 - synthetic demo data, not security
    now = now or dt.datetime.now(dt.UTC)
    years = _year_weights(now)
    by_county: dict[str, list[str]] = {}
    for m in tx.municipalities().values():
        by_county.setdefault(m.county_code, []).append(m.code)
    postgres = db.engine.dialect.name == "postgresql"
    plan = _Plan(now, years, by_county, created_by_ids, _active_centres())
    with write_transaction():
        if not postgres:
            # The term table's B-trees get random inserts; a bigger page cache for this connection
            # keeps them in memory (the default 2 MB made the seed I/O-bound).
            db.session.execute(text("PRAGMA cache_size=-262144"))
        next_id = (db.session.scalar(select(func.max(Inquiry.id))) or 0) + 1
        first_id = next_id
        made = 0
        while made < missing:
            rows: dict[type, list[dict]] = {Inquiry: [], ExposedPerson: [], InquiryCode: [], InquiryTerm: [],
                                            InquiryCentre: []}
            for _ in range(min(batch, missing - made)):
                inquiry, persons, codes, terms = _one(rng, plan, next_id)
                next_id += 1
                centre = inquiry.pop("centre")
                if centre is not None:
                    rows[InquiryCentre].append(centre)
                rows[Inquiry].append(inquiry)
                rows[ExposedPerson] += persons
                rows[InquiryCode] += codes
                rows[InquiryTerm] += terms
            for model, model_rows in rows.items():
                _bulk_insert(model.__table__, model_rows, postgres)
                if postgres and model is Inquiry and not made:
                    _plan_for_the_loaded_inquiries()
            made += len(rows[Inquiry])
        if postgres:
            _postgres_after_seed(first_id, next_id)
    refresh_statistics()
    return made


def _active_centres() -> dict[str, list[tuple[int, str]]]:
    centres: dict[str, list[tuple[int, str]]] = {}
    for row in db.session.execute(select(ResourceCentre.id, ResourceCentre.name, ResourceCentre.host_organisation,
                                         ResourceCentre.county_code)
                                  .where(ResourceCentre.status.in_(ACTIVE_STATUSES)).order_by(ResourceCentre.id)):
        centres.setdefault(row.county_code, []).append((row.id, (row.name or row.host_organisation)[:200]))
    return centres


def _bulk_insert(table, rows: list[dict], postgres: bool) -> None:
    """Core inserts (the ORM's bulk path costs more than the database here); COPY on PostgreSQL,
    where 100,000 inquiries with their 2.6 million search terms took 35 s instead of 64 s."""
    if not rows:
        return
    if not postgres:
        db.session.execute(insert(table), rows)
        return
    columns = list(rows[0])
    cursor = db.session.connection().connection.driver_connection.cursor()
    with cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([row[c] for c in columns])


def refresh_statistics() -> None:
    """Give the query planner statistics for the bulk-loaded tables. Without them PostgreSQL
    guesses a handful of rows per code and picks nested loops over tens of thousands (list
    pages 3-5x slower until autovacuum gets round to it)."""
    tables = ["inquiries", "inquiry_codes", "inquiry_exposed_persons", "inquiry_search", "inquiry_terms",
              "inquiry_centres"]
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE " + ", ".join(tables))
    else:
        with db.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
