"""The figures that continue the county board's published series (since 2014): persons and how
each case is made up, gender × age, counties with and without a resource centre side by side,
and referrals per resource centre. Counted in SQL like the rest (GROUP BY, a handful of rows)."""

from __future__ import annotations

from sqlalchemy import case, func, select

from supportline.extensions import db
from supportline.inquiries import composition
from supportline.inquiries import taxonomy as tx
from supportline.inquiries.models import ExposedPerson, Inquiry, InquiryCentre, InquiryCode
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
           .where(*_exposed(conds))
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


def referrals_by_county(conds) -> dict:
    """Inquiries referred to the county's resource centre, per county of the inquiry."""
    return dict(db.session.execute(
        select(Inquiry.county_code, func.count())
        .join(InquiryCode, (InquiryCode.inquiry_id == Inquiry.id) & (InquiryCode.kind == "referrals")
              & (InquiryCode.code == "resource_centre"))
        .where(*conds).group_by(Inquiry.county_code)).all())


# --- with the persons' roles, their perpetrators and the outcomes --------------------------------

def _exposed(conds) -> list:
    return [ExposedPerson.inquiry_id.in_(select(Inquiry.id).where(*conds)), ExposedPerson.role == "exposed"]


def mentioned_persons(conds) -> int:
    return db.session.scalar(select(func.count()).where(
        ExposedPerson.inquiry_id.in_(select(Inquiry.id).where(*conds)), ExposedPerson.role == "mentioned")) or 0


def _age_count(groups) -> object:
    return func.sum(case((ExposedPerson.age_group.in_(groups), 1), else_=0))


def compositions(conds) -> dict[str, int]:
    """Inquiries per case composition, by the rules of inquiries/composition.py written as one
    CASE over per-inquiry counts of the exposed persons' age classes (the same rules, in SQL)."""
    per = (select(ExposedPerson.inquiry_id, func.count().label("n"),
                  _age_count(composition.MINOR).label("minor"), _age_count(composition.ADULT).label("adult"),
                  _age_count(("26+",)).label("older"),
                  _age_count(composition.YOUNG_PARENTS_CHILDREN).label("young_children"),
                  _age_count((*composition.MINOR, *composition.YOUNG_ADULT, *composition.ADULT)).label("known"))
           .where(*_exposed(conds)).group_by(ExposedPerson.inquiry_id).subquery())
    code = case(
        (per.c.n == 1, "one_person"),
        (per.c.known < per.c.n, "other"),
        (per.c.adult == 0, "siblings"),
        ((per.c.adult == 1) & (per.c.minor == per.c.n - 1)
         & ((per.c.older == 1) | (per.c.young_children == per.c.minor)), "parent_with_children"),
        ((per.c.n == 2) & (per.c.minor == 0), "couple"),
        else_="other")
    return dict(db.session.execute(select(code.label("c"), func.count()).group_by("c")).all())


def composition_table(counts: dict[str, int], total: int) -> Table:
    counts = dict(counts)
    # An inquiry without an exposed person has no row above: "other" (not known), as rule 1.
    counts["other"] = counts.get("other", 0) + total - sum(counts.values())
    rows = [Row(code, label, counts.get(code, 0)) for code, label in tx.COMPOSITIONS.items()]
    return Table("composition", "Ärendets sammansättning", rows, total,
                 note="Härledd ur de utsatta personernas åldrar, aldrig ifylld för hand (se metoden).")


def perpetrators_per_person(conds) -> tuple[dict[str, int], int]:
    """Exposed persons per perpetrator relation: the person's own relations where the handler gave
    them, otherwise the case's. Returns (relation -> persons, persons with no relation known)."""
    padded = " " + ExposedPerson.perpetrator_relations + " "
    own = db.session.execute(select(
        func.count(), *[func.sum(case((padded.like(f"% {code} %"), 1), else_=0))
                        for code in tx.PERPETRATOR_RELATIONS])
        .where(*_exposed(conds), ExposedPerson.perpetrator_relations != "")).one()
    counts = {code: int(n or 0) for code, n in zip(tx.PERPETRATOR_RELATIONS, own[1:], strict=True)}
    without_own = [*_exposed(conds), ExposedPerson.perpetrator_relations == ""]
    for code, n in db.session.execute(
            select(InquiryCode.code, func.count())
            .join(ExposedPerson, (ExposedPerson.inquiry_id == InquiryCode.inquiry_id)
                  & (InquiryCode.kind == "perpetrator_relations"))
            .where(*without_own).group_by(InquiryCode.code)).all():
        counts[code] = counts.get(code, 0) + n
    case_known = select(InquiryCode.inquiry_id).where(InquiryCode.kind == "perpetrator_relations")
    unknown = db.session.scalar(select(func.count()).where(
        *without_own, ExposedPerson.inquiry_id.not_in(case_known))) or 0
    return counts, unknown


def perpetrator_person_table(counts: dict[str, int], unknown: int) -> Table:
    rows = [Row(code, label, counts.get(code, 0)) for code, label in tx.PERPETRATOR_RELATIONS.items()]
    rows.append(Row("", "Ingen förövare angiven", unknown))
    return Table("perpetrator_person", "Förövarens relation till den utsatta", rows, None, unit="Personer",
                 note="Per utsatt person: förövarnas relation till personen där den är angiven, annars ärendets "
                      "förövare. En person kan ha flera förövare.")


def outcome_table(counts: dict[str, int]) -> Table:
    rows = [Row(code, label, counts.get(code, 0)) for code, label in tx.OUTCOMES.items()]
    return Table("outcome", "Vad samtalet ledde till", rows, None, note="Ett ärende kan ha flera utfall.")


def referrals_per_centre(conds) -> list[tuple[str | None, str, int]]:
    """Inquiries whose outcomes name a resource centre, per centre as it was named: (county, name, n)."""
    return [tuple(r) for r in db.session.execute(
        select(InquiryCentre.county_code, InquiryCentre.name, func.count())
        .join(Inquiry, Inquiry.id == InquiryCentre.inquiry_id).where(*conds)
        .group_by(InquiryCentre.county_code, InquiryCentre.name)
        .order_by(InquiryCentre.county_code, InquiryCentre.name)).all()]


def centre_referral_table(named: list[tuple[str | None, str, int]], unnamed_by_county: dict) -> Table:
    """Per resource centre the outcomes named; referrals to "the county's centre" recorded
    without naming one (before the outcomes, or imported) are counted per county below them."""
    rows = [Row(f"centre:{county or ''}:{name}", f"{name} ({tx.COUNTY_LABELS.get(county or '', 'län saknas')})", n)
            for county, name, n in named]
    rows += [Row(f"county:{code}", f"Länets resurscentrum, {tx.COUNTY_LABELS[code]} (centrum inte angivet)",
                 unnamed_by_county[code]) for code in tx.COUNTY_LABELS if unnamed_by_county.get(code)]
    unknown = sum(n for c, n in unnamed_by_county.items() if c not in tx.COUNTY_LABELS)
    if unknown:
        rows.append(Row("county:", "Länets resurscentrum, län saknas", unknown))
    return Table("referral_centre", "Hänvisningar per regionalt resurscentrum", rows, sum(r.count for r in rows),
                 note="Ärenden vars utfall namnger ett regionalt resurscentrum (hänvisad, kopplad vidare eller "
                      "redan i kontakt), efter centrumet som valdes.")


def unnamed_centre_referrals(conds) -> dict:
    """Inquiries referred to the county's resource centre without a centre named, per county."""
    return referrals_by_county([*conds, Inquiry.id.not_in(select(InquiryCentre.inquiry_id))])
