"""The figures that continue the county board's published series (since 2014): persons and how
each case is made up, gender × age, counties with and without a resource centre side by side,
and referrals per resource centre. Counted in SQL like the rest (GROUP BY, a handful of rows)."""

from __future__ import annotations

from sqlalchemy import func, select

from supportline.extensions import db
from supportline.inquiries import taxonomy as tx
from supportline.inquiries.models import ExposedPerson, Inquiry, InquiryCode
from supportline.stats.models import ACTIVE_STATUSES, ResourceCentre
from supportline.stats.population import population
from supportline.stats.tables import Row, Table
from supportline.swedish import tal

# Länsstyrelsen's own caveat with its figures, beside every per-capita view.
PREVALENCE_CAVEAT = (
    "Antalet samtal per län mäter inte hur vanligt hedersrelaterat våld och förtryck är i länet. Det speglar "
    "också hur känd stödtelefonen är, hur yrkesverksamma i länet arbetar och om länet har ett eget "
    "resurscentrum som tar emot frågorna först.")
PERSON_COUNTS = {"0": "Ingen utsatt person angiven", "1": "En person", "2": "Två personer",
                 "3": "Tre personer", "4+": "Fyra eller fler"}


def gender_age_table(cross: dict[tuple[str, str], int], persons: int):
    """Exposed persons by gender and age group: one row per combination, so the rows add up to
    the persons and the suppression of a one-dimensional table applies as it is."""
    rows = [Row(f"{g}:{a}", f"{g_label}, {a_label[0].lower() + a_label[1:]}", cross.get((a, g), 0))
            for g, g_label in tx.GENDERS.items() for a, a_label in tx.AGE_GROUPS.items()]
    known = {(a, g) for a in tx.AGE_GROUPS for g in tx.GENDERS}
    missing = sum(n for key, n in cross.items() if key not in known)
    if missing:
        rows.append(Row("", "Uppgift saknas", missing))
    return Table("gender_age", "Utsatta personer: kön och ålder", rows, persons, unit="Personer",
                     note="Varje utsatt person räknas en gång, efter kön och åldersgrupp.")


def persons_per_inquiry(conds) -> dict[str, int]:
    """Inquiries by how many exposed persons they are about (0, 1, 2, 3, 4 or more)."""
    per = (select(ExposedPerson.inquiry_id, func.count().label("n"))
           .where(ExposedPerson.inquiry_id.in_(select(Inquiry.id).where(*conds)))
           .group_by(ExposedPerson.inquiry_id).subquery())
    result: dict[str, int] = {}
    for n, inquiries in db.session.execute(select(per.c.n, func.count()).group_by(per.c.n)).all():
        key = "4+" if n >= 4 else str(n)
        result[key] = result.get(key, 0) + inquiries
    return result


def persons_table(per_inquiry: dict[str, int], total: int):
    counts = {**per_inquiry, "0": total - sum(per_inquiry.values())}
    rows = [Row(code, label, counts.get(code, 0)) for code, label in PERSON_COUNTS.items()]
    return Table("persons_per_inquiry", "Ärenden efter antal utsatta personer", rows, total,
                     note="Hur många utsatta personer ärendet gäller. Personer som bara nämns räknas inte.")


def centre_compare_table(by_county: dict, with_centre: set[str]):
    """Counties with a resource centre (established or being built) and those without, side by side:
    inquiries, and inquiries per 100,000 inhabitants of those counties together."""
    people = population()
    rows = []
    for code, label, counties in (
            ("with", "Län med regionalt resurscentrum", [c for c in tx.COUNTY_LABELS if c in with_centre]),
            ("without", "Län utan regionalt resurscentrum", [c for c in tx.COUNTY_LABELS if c not in with_centre])):
        count = sum(by_county.get(c, 0) for c in counties)
        inhabitants = sum(people.get(c, 0) for c in counties)
        rate = round(count * 100_000 / inhabitants, 1) if inhabitants else None
        rows.append(Row(code, label, count, rate, f"{len(counties)} av {len(tx.COUNTY_LABELS)} län, "
                                                      f"{tal(inhabitants)} invånare"))
    unknown = sum(n for c, n in by_county.items() if c not in tx.COUNTY_LABELS)
    if unknown:
        rows.append(Row("", "Län saknas", unknown, None, ""))
    return Table("centre_compare", "Län med och utan regionalt resurscentrum", rows,
                     sum(r.count for r in rows), has_rate=True, extra_header="Länen", note=PREVALENCE_CAVEAT)


def centre_names() -> dict[str, str]:
    """County code -> the names of its active centres, for labelling referrals."""
    names: dict[str, list[str]] = {}
    for county, name in db.session.execute(
            select(ResourceCentre.county_code, ResourceCentre.name)
            .where(ResourceCentre.status.in_(ACTIVE_STATUSES)).order_by(ResourceCentre.name)).all():
        names.setdefault(county, []).append(name)
    return {county: " / ".join(n for n in ns if n) for county, ns in names.items()}


def referrals_by_county(conds) -> dict:
    """Inquiries referred to the county's resource centre, per county of the inquiry."""
    return dict(db.session.execute(
        select(Inquiry.county_code, func.count())
        .join(InquiryCode, (InquiryCode.inquiry_id == Inquiry.id) & (InquiryCode.kind == "referrals")
              & (InquiryCode.code == "resource_centre"))
        .where(*conds).group_by(Inquiry.county_code)).all())


def referral_centre_table(by_county: dict, names: dict[str, str]):
    rows = [Row(code, f"{names[code]} ({tx.COUNTY_LABELS[code]})" if names.get(code) else
                    f"{tx.COUNTY_LABELS[code]} (inget resurscentrum i katalogen)", by_county.get(code, 0))
            for code in tx.COUNTY_LABELS if code in names or by_county.get(code)]
    unknown = sum(n for c, n in by_county.items() if c not in tx.COUNTY_LABELS)
    if unknown:
        rows.append(Row("", "Län saknas", unknown))
    return Table("referral_centre", "Hänvisningar per regionalt resurscentrum", rows,
                     sum(by_county.values()),
                     note="Ärenden hänvisade till länets regionala resurscentrum, efter ärendets län.")
