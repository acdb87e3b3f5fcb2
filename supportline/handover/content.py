"""What goes into a handover package, streamed from the database in chunks so memory
stays flat however many inquiries there are."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from sqlalchemy import select

from supportline.auth.models import User
from supportline.extensions import db
from supportline.inquiries import taxonomy as tx
from supportline.inquiries.canonical import build_record, centre_record
from supportline.inquiries.composition import case_composition
from supportline.inquiries.models import ExposedPerson, Inquiry, InquiryCentre, InquiryCode, TimelineEntry
from supportline.kb.models import Article
from supportline.privacy.guard import redact
from supportline.stats.models import ResourceCentre

CHUNK = 500
# The call-back details are only handed over where the case continues.
OPEN_STATUSES = {"open", "awaiting"}
REDACTED_FIELDS = ("summary", "advice", "caller_role", "caller_organisation")

INQUIRY_HEADER = [
    "Ärende-id", "Version", "Kanal", "Mottaget (UTC)", "Typ av uppringare", "Sektor", "Roll/titel", "Organisation",
    "Kommun", "Län", "Utsatta personer", "Förövarens relation", "Typ av utsatthet", "Frågeområden", "Angelägenhet",
    "Sammanfattning", "Givna råd", "Hänvisningar", "Uppföljningsdatum", "Status", "Handläggare (id)",
    "Tilldelad (id)", "Samtalslängd (sekunder)", "Skapat (UTC)", "Senast ändrat (UTC)", "Återuppringning: namn",
    "Återuppringning: telefon", "Återuppringning: e-post", "Utfall", "Resurscentrum", "Ärendets sammansättning",
]
CONTACT_HEADER = ["Ärende-id", "Tidpunkt (UTC)", "Typ", "Personal (id)", "Text"]


def _records(changed_since: dt.datetime | None, changed_until: dt.datetime, include_callback):
    """Canonical records in id order, read CHUNK inquiries at a time as plain rows (no ORM
    objects), so memory stays flat and the export is not bound by object loading."""
    inquiries = Inquiry.__table__
    persons_t, codes_t, timeline_t = ExposedPerson.__table__, InquiryCode.__table__, TimelineEntry.__table__
    last_id = 0
    while True:
        query = (select(inquiries).where(inquiries.c.id > last_id, inquiries.c.updated_at <= changed_until)
                 .order_by(inquiries.c.id).limit(CHUNK))
        if changed_since is not None:
            query = query.where(inquiries.c.updated_at > changed_since)
        rows = db.session.execute(query).mappings().all()
        if not rows:
            return
        ids = [row["id"] for row in rows]
        persons: dict[int, list] = {}
        for p in db.session.execute(select(persons_t).where(persons_t.c.inquiry_id.in_(ids))
                                    .order_by(persons_t.c.inquiry_id, persons_t.c.position)).mappings():
            persons.setdefault(p["inquiry_id"], []).append(p)
        codes: dict[int, dict[str, list[str]]] = {}
        for c in db.session.execute(select(codes_t).where(codes_t.c.inquiry_id.in_(ids))).mappings():
            codes.setdefault(c["inquiry_id"], {}).setdefault(c["kind"], []).append(c["code"])
        centres = _centres(ids)
        timeline: dict[int, list] = {}
        for e in db.session.execute(select(timeline_t).where(timeline_t.c.inquiry_id.in_(ids))
                                    .order_by(timeline_t.c.inquiry_id, timeline_t.c.at, timeline_t.c.id)).mappings():
            timeline.setdefault(e["inquiry_id"], []).append(e)
        for row in rows:
            yield build_record(row, persons.get(row["id"], []), codes.get(row["id"], {}),
                               timeline.get(row["id"], []), include_callback=include_callback(row["status"]),
                               centre=centres.get(row["id"]))
        last_id = ids[-1]


def _centres(ids: list[int]) -> dict[int, dict]:
    """The resource centre of each of these inquiries that has one, with the directory's key."""
    centres_t, directory = InquiryCentre.__table__, ResourceCentre.__table__
    rows = db.session.execute(select(centres_t, directory.c.seed_key)
                              .outerjoin(directory, directory.c.id == centres_t.c.centre_id)
                              .where(centres_t.c.inquiry_id.in_(ids))).mappings()
    return {row["inquiry_id"]: centre_record(row, row["seed_key"]) for row in rows}


def _labels(record: dict) -> dict:
    county = tx.COUNTIES.get(record.get("county_code") or "")
    municipality = tx.municipalities().get(record.get("municipality_code") or "")
    return {
        "channel": tx.CHANNELS.get(record["channel"]),
        "caller_type": tx.CALLER_TYPES.get(record["caller_type"]),
        "caller_sector": tx.SECTORS.get(record.get("caller_sector") or ""),
        "municipality": municipality.name if municipality else None,
        "county": county[1] if county else None,
        "urgency": tx.URGENCIES.get(record["urgency"]),
        "status": tx.STATUSES.get(record["status"]),
        **{kind: [labels.get(code, code) for code in record.get(kind) or []] for kind, labels in tx.CODE_KINDS.items()},
        "exposed_persons": [tx.person_label(p) for p in record.get("exposed_persons") or []],
        "resource_centre": (record.get("resource_centre") or {}).get("name"),
        "composition": tx.COMPOSITIONS[case_composition(record.get("exposed_persons") or [])],
    }


def export_record(record: dict) -> tuple[dict, int]:
    """The canonical record as handed over, with personal data the guard finds removed."""
    redactions = 0
    for name in REDACTED_FIELDS:
        if record.get(name):
            record[name], found = redact(record[name])
            redactions += found
    for entry in record["timeline"]:
        if entry.get("text"):
            entry["text"], found = redact(entry["text"])
            redactions += found
    record["labels"] = _labels(record)
    return record, redactions


def _csv_row(record: dict) -> list:
    labels = record["labels"]
    return [
        record["id"], record["version"], labels["channel"], record["received_at"], labels["caller_type"],
        labels["caller_sector"], record.get("caller_role"), record.get("caller_organisation"), labels["municipality"],
        labels["county"], "; ".join(labels["exposed_persons"]), ", ".join(labels["perpetrator_relations"]),
        ", ".join(labels["exposure_types"]), ", ".join(labels["question_topics"]), labels["urgency"],
        record.get("summary"), record.get("advice"), ", ".join(labels["referrals"]), record.get("follow_up_on"),
        labels["status"], record.get("created_by"), record.get("assignee_id"), record.get("duration_seconds"),
        record.get("created_at"), record.get("updated_at"), record.get("callback_name"),
        record.get("callback_phone"), record.get("callback_email"), ", ".join(labels["outcomes"]),
        labels["resource_centre"], labels["composition"],
    ]


def write_contents(builder, *, changed_since: dt.datetime | None, changed_until: dt.datetime) -> dict:
    statuses: Counter = Counter()
    totals = Counter()
    with builder.jsonl("inquiries.jsonl", "schema/inquiry.schema.json") as jsonl, \
            builder.csv("inquiries.csv", INQUIRY_HEADER) as inquiries_csv, \
            builder.csv("contacts.csv", CONTACT_HEADER) as contacts_csv:
        for canonical in _records(changed_since, changed_until, lambda status: status in OPEN_STATUSES):
            record, redactions = export_record(canonical)
            jsonl.write(record)
            inquiries_csv.write(_csv_row(record))
            for entry in record["timeline"]:
                contacts_csv.write([record["id"], entry["at"], tx.TIMELINE_KINDS.get(entry["kind"], entry["kind"]),
                                    entry.get("user"), entry.get("text")])
            statuses[record["status"]] += 1
            totals["timeline_entries"] += len(record["timeline"])
            totals["redactions"] += redactions
    with builder.jsonl("articles.jsonl", "schema/article.schema.json") as articles:
        for row in db.session.scalars(select(Article).where(Article.status == "published").order_by(Article.slug)):
            articles.write({
                "slug": row.slug, "title": row.title, "summary": row.summary, "body_markdown": row.body,
                "topics": list(row.topics or []), "audiences": list(row.audiences or []),
                "visibility": row.visibility,
                "sources": [{k: s.get(k) for k in ("publisher", "title", "year", "url", "kind") if k in s}
                            for s in row.sources or []],
                "in_force_since": row.in_force_since.isoformat() if row.in_force_since else None,
                "reviewed_on": row.reviewed_on.isoformat() if row.reviewed_on else None,
                "reviewed_by": row.reviewed_by,
                "review_note": row.review_note,
            })
            totals["articles"] += 1
    with builder.jsonl("staff.jsonl", "schema/staff.schema.json") as staff:
        for user in db.session.scalars(select(User).order_by(User.id)):
            staff.write({"id": user.id, "name": user.name or f"Personal {user.id}", "role": user.role})
    return {"inquiries": sum(statuses.values()), "by_status": dict(statuses),
            "timeline_entries": totals["timeline_entries"], "articles": totals["articles"],
            "redactions": totals["redactions"]}


def readme_text() -> str:
    """LÄSMIG with the support line's contact as this installation publishes it."""
    from supportline.kb.contact import line_contact

    contact = line_contact()
    return README + LINE_SECTION.format(phrase=contact.phrase(markdown=False))


LINE_SECTION = """
Stödtelefonen
-------------
{phrase}.
Artiklarna i articles.jsonl skriver {{{{stodlinjen}}}} där stödtelefonen nämns; den
mottagande installationen fyller i sina egna uppgifter (SUPPORTLINE_LINE_PHONE,
SUPPORTLINE_LINE_HOURS med flera, se docs/OPERATIONS.md avsnitt 3).
"""


README = """LÄSMIG – överlämningspaket från Nationella stödtelefonen (Supportline)
=====================================================================

Paketet innehåller stödtelefonens ärenden och kunskapsbank vid överlämningen till
Nationellt centrum för kvinnofrid (NCK), Uppsala universitet. Det är krypterat med age
för mottagarens nyckel och kan bara öppnas med den hemliga nyckeln.

Kontrollera paketet
-------------------
  supportline handover verify PAKET --identity NYCKELFIL
dekrypterar, kontrollerar kedjan, varje fils storlek, SHA-256 och antal poster och
validerar varje rad mot scheman i katalogen schema/. Det kräver ingen databas. Utan
programmet: dekryptera med `age -d -i NYCKELFIL PAKET > paket.tar`, packa upp med tar
och jämför sha256sum för varje fil med manifest.json.

Kvittera paketet
----------------
  supportline handover verify PAKET --identity NYCKELFIL --receipt kvitto.json --receiver "NCK, namn"
skriver ett kvitto (JSON) om paketet klarar kontrollen: paketets namn, SHA-256, löpnummer,
antal poster per fil, föregående pakets SHA-256, när och av vem det kontrollerades. Skicka
kvittot till avsändaren, som registrerar det; först då får avsändaren gallra det som
lämnats över. Läs sedan in paketet med
  supportline handover import PAKET --identity NYCKELFIL --receipt kvitto.json

Filer
-----
manifest.json     Formatets namn och version (2; version 1 saknade outcomes,
                  resource_centre och personernas role och perpetrator_relations och
                  läses fortfarande av import och kontroll), typ (full = hela ärendebeståndet, delta =
                  det som ändrats sedan föregående paket), löpnummer, föregående pakets
                  SHA-256 (kedjan), när paketet skapades, perioden det täcker, källsystem
                  och version, och för varje fil: sökväg, storlek i byte, SHA-256 och
                  antal poster. Antal ärenden per status och antal borttagna uppgifter
                  (redactions) som integritetskontrollen hittade.
inquiries.jsonl   Ett ärende per rad (JSON), enligt schema/inquiry.schema.json, med hela
                  händelseförloppet (timeline). "labels" ger de svenska benämningarna
                  för koderna.
inquiries.csv     Samma ärenden som tabell för Excel: UTF-8 med BOM, semikolon som
                  avgränsare, en rad per ärende, svenska rubriker.
contacts.csv      Händelseförloppet som tabell: en rad per kontakt, anteckning,
                  statusändring, uppföljning eller länkad vägledning.
                  I båda CSV-filerna börjar en text som Excel skulle läsa som en formel
                  (första tecknet =, +, -, @, tab eller vagnretur) med en apostrof, som
                  Excel inte visar. JSON-filerna har texten exakt som den sparades.
articles.jsonl    Kunskapsbankens publicerade artiklar med källor, granskningsdatum och
                  granskningsanteckning, enligt schema/article.schema.json. Där
                  texten nämner stödtelefonen står platshållaren {{stodlinjen}}.
staff.jsonl       Personal som förekommer i ärendena (id, namn, roll); id:n i ärendena
                  (created_by, assignee_id, user) pekar hit.
schema/           JSON Schema (2020-12) för varje JSON-fil.

Fält i ett ärende (inquiries.jsonl)
-----------------------------------
id, version           Ärendets nummer och versionsnummer.
channel               Kanal: phone (telefon), email (e-post), chat (chatt), other (annat).
received_at           När kontakten togs (UTC, ISO 8601).
caller_type           Vem som ringde: professional (yrkesverksam), volunteer (ideellt
                      engagerad), exposed (utsatt), relative (närstående), other (annan).
caller_sector         Yrkesverksammas sektor, t.ex. social_services (socialtjänst), school.
caller_role, caller_organisation
                      Uppringarens roll/titel och organisation.
municipality_code, county_code
                      Kommunkod (SCB) och länskod (ISO 3166-2:SE).
exposed_persons       Ärendets avidentifierade personer: åldersgrupp, kön, role (exposed =
                      utsatt, mentioned = bara omnämnd; räknas inte som ärendets person)
                      och perpetrator_relations (förövarnas relation till just den personen,
                      där den är känd), inget annat. Ärendets sammansättning (en person,
                      syskon, förälder med barn, par) härleds ur personerna och står i
                      "labels" (composition), inte i posten.
perpetrator_relations, exposure_types, question_topics, referrals
                      Förövarens relation (för hela ärendet; omfattar varje persons),
                      typ av utsatthet, frågeområden, hänvisningar (koder).
outcomes              Vad samtalet ledde till (koder): advice_only (enbart råd och stöd),
                      report_of_concern (rekommenderade orosanmälan), police_report
                      (rekommenderade polisanmälan), centre_referred (hänvisad till länets
                      resurscentrum), centre_connected (kopplad vidare dit), centre_in_contact
                      (har redan kontakt med det), referred_elsewhere (hänvisad till annan
                      instans; vart står i referrals), follow_up_booked (uppföljning bokad).
resource_centre       Det regionala resurscentrum som utfallen centre_* gäller, eller null:
                      id (katalogens id hos avsändaren), key (katalogens nyckel, densamma i
                      alla installationer), name och county_code som när det valdes.
urgency               acute (omedelbar fara), high, normal.
summary, advice       Frågan i sammanfattning och de råd som gavs (avidentifierat).
follow_up_on          Datum för uppföljning.
status                open (öppen), awaiting (väntar på återkoppling), closed (avslutad).
created_by, assignee_id
                      Handläggaren som skapade ärendet och den som har det nu (se staff.jsonl).
duration_seconds      Samtalets längd i sekunder.
created_at, updated_at
                      När ärendet skapades och senast ändrades (UTC).
callback_name, callback_phone, callback_email
                      Yrkesverksammas egna kontaktuppgifter för återuppringning. Finns bara
                      med i öppna ärenden och ärenden som väntar på återkoppling.
timeline              Händelser: kind (contact, note, status, follow_up, article_link,
                      assignment, edit), at (UTC), user (personal-id), text, detail.

Integritet
----------
Ärendena gäller avidentifierade fall. All fritext har kontrollerats en gång till innan
exporten: personnummer, samordningsnummer, e-postadresser och telefonnummer har ersatts
med [borttaget] och räknats i manifest.json (redactions).
"""
