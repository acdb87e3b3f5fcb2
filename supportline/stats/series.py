"""The figures that continue the county board's published series (since 2014): persons and how
each case is made up, gender × age, counties with and without a resource centre side by side,
and referrals per resource centre. Counted in SQL like the rest (GROUP BY, a handful of rows)."""

from __future__ import annotations

from dataclasses import dataclass, field, fields

from sqlalchemy import case, exists, func, select

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

def add_counts(into: dict, other: dict, sign: int = 1) -> None:
    """into[key] += sign × n for each of other's counts; a count that comes to 0 is removed, so
    counts taken away leave what counting afresh would give."""
    for key, n in other.items():
        value = into.get(key, 0) + sign * n
        if value:
            into[key] = value
        else:
            into.pop(key, None)


def add_fields(into, other, sign: int = 1, skip: tuple[str, ...] = ()) -> None:
    """Add each count of the dataclass `other` to `into`'s: numbers as numbers, dicts key by key."""
    for f in fields(into):
        if f.name in skip:
            continue
        mine, theirs = getattr(into, f.name), getattr(other, f.name)
        if isinstance(mine, dict):
            add_counts(mine, theirs, sign)
        else:
            setattr(into, f.name, mine + sign * theirs)


def copied(data: dict) -> dict:
    """Stored counts with every dict copied, so counts made from them share nothing with the row."""
    return {key: dict(value) if isinstance(value, dict) else value for key, value in data.items()}


def _age_count(groups) -> object:
    return func.sum(case((ExposedPerson.age_group.in_(groups), 1), else_=0))


@dataclass
class PersonCounts:
    """What the report reads about the cases' persons, in four statements (see count_persons)."""
    ages: dict = field(default_factory=dict)
    genders: dict = field(default_factory=dict)
    cross: dict = field(default_factory=dict)  # (age group, gender) -> exposed persons
    mentioned: int = 0
    relations: dict = field(default_factory=dict)  # perpetrator relation -> exposed persons
    no_relation: int = 0  # exposed persons with no relation of their own nor of the case
    compositions: dict = field(default_factory=dict)
    per_inquiry: dict = field(default_factory=dict)  # "1", "2", "3", "4+" -> inquiries
    children_inquiries: int = 0

    @property
    def persons(self) -> int:
        return sum(self.ages.values())

    def add(self, other: PersonCounts, sign: int = 1) -> PersonCounts:
        """Add `other`'s counts to these (in place) and return them: the persons of two periods;
        sign=-1 takes them away (a count that comes to 0 is removed)."""
        add_fields(self, other, sign)
        return self

    def to_json(self) -> dict:
        data = {f.name: getattr(self, f.name) for f in fields(PersonCounts)}
        data["cross"] = [[age, gender, n] for (age, gender), n in self.cross.items()]
        return data

    @classmethod
    def from_json(cls, data: dict) -> PersonCounts:
        return cls(**{**copied(data), "cross": {(age, gender): n for age, gender, n in data["cross"]}})


def count_persons(conds) -> PersonCounts:
    """Persons by role, age, gender and their own perpetrators (one GROUP BY, a few dozen rows),
    the cases' shapes (one GROUP BY over per-case counts), and the case's perpetrators for the
    exposed persons without their own (two statements)."""
    c = PersonCounts()
    own_missing = _person_groups(conds, c)
    _case_shapes(conds, c)
    fallback = [*conds, ExposedPerson.role == "exposed", ExposedPerson.perpetrator_relations == ""]
    joined = (select(InquiryCode.code, func.count()).select_from(ExposedPerson)
              .join(Inquiry, Inquiry.id == ExposedPerson.inquiry_id)
              .join(InquiryCode, (InquiryCode.inquiry_id == ExposedPerson.inquiry_id)
                    & (InquiryCode.kind == "perpetrator_relations")).where(*fallback))
    for code, n in db.session.execute(joined.group_by(InquiryCode.code)).all():
        c.relations[code] = c.relations.get(code, 0) + n
    with_case_relation = db.session.scalar(joined.with_only_columns(
        func.count(func.distinct(ExposedPerson.id)))) or 0
    c.no_relation = own_missing - with_case_relation
    return c


def _person_groups(conds, c: PersonCounts) -> int:
    """Fills ages, genders, cross, mentioned and the persons' own relations; returns how many exposed
    persons have no relation of their own."""
    own_missing = 0
    for role, age, gender, relations, n in db.session.execute(
            select(ExposedPerson.role, ExposedPerson.age_group, ExposedPerson.gender,
                   ExposedPerson.perpetrator_relations, func.count())
            .join(Inquiry, Inquiry.id == ExposedPerson.inquiry_id).where(*conds)
            .group_by(ExposedPerson.role, ExposedPerson.age_group, ExposedPerson.gender,
                      ExposedPerson.perpetrator_relations)).all():
        if role != "exposed":  # persons only mentioned are not the case's persons
            c.mentioned += n
            continue
        age, gender = age or "", gender or ""  # "" for a missing value, as in stats/counting.py
        c.ages[age] = c.ages.get(age, 0) + n
        c.genders[gender] = c.genders.get(gender, 0) + n
        c.cross[(age, gender)] = c.cross.get((age, gender), 0) + n
        for code in (relations or "").split():
            c.relations[code] = c.relations.get(code, 0) + n
        own_missing += 0 if (relations or "").strip() else n
    return own_missing


def _case_shapes(conds, c: PersonCounts) -> None:
    """Inquiries per composition (the rules of inquiries/composition.py as one CASE over per-case
    counts of the exposed persons' age classes), per number of persons, and those about a child."""
    per = (select(ExposedPerson.inquiry_id, func.count().label("n"),
                  _age_count(composition.MINOR).label("minor"), _age_count(composition.ADULT).label("adult"),
                  _age_count(("26+",)).label("older"),
                  _age_count(composition.YOUNG_PARENTS_CHILDREN).label("young_children"),
                  _age_count((*composition.MINOR, *composition.YOUNG_ADULT, *composition.ADULT)).label("known"))
           .join(Inquiry, Inquiry.id == ExposedPerson.inquiry_id)
           .where(*conds, ExposedPerson.role == "exposed").group_by(ExposedPerson.inquiry_id).subquery())
    code = case(
        (per.c.n == 1, "one_person"),
        (per.c.known < per.c.n, "other"),
        (per.c.adult == 0, "siblings"),
        ((per.c.adult == 1) & (per.c.minor == per.c.n - 1)
         & ((per.c.older == 1) | (per.c.young_children == per.c.minor)), "parent_with_children"),
        ((per.c.n == 2) & (per.c.minor == 0), "couple"),
        else_="other")
    size = case((per.c.n >= 4, 4), else_=per.c.n)
    child = case((per.c.minor > 0, 1), else_=0)
    for shape, n_persons, has_child, n in db.session.execute(
            select(code.label("c"), size.label("s"), child.label("k"), func.count()).group_by("c", "s", "k")).all():
        c.compositions[shape] = c.compositions.get(shape, 0) + n
        key = "4+" if n_persons >= 4 else str(n_persons)
        c.per_inquiry[key] = c.per_inquiry.get(key, 0) + n
        c.children_inquiries += n if has_child else 0


def composition_table(counts: dict[str, int], total: int) -> Table:
    counts = dict(counts)
    # An inquiry without an exposed person has no row above: "other" (not known), as rule 1.
    counts["other"] = counts.get("other", 0) + total - sum(counts.values())
    rows = [Row(code, label, counts.get(code, 0)) for code, label in tx.COMPOSITIONS.items()]
    return Table("composition", "Ärendets sammansättning", rows, total,
                 note="Härledd ur de utsatta personernas åldrar, aldrig ifylld för hand (se metoden).")


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
    # NOT EXISTS by the primary key: NOT IN would read every inquiry's centre for each count.
    return referrals_by_county([*conds, ~exists().where(InquiryCentre.inquiry_id == Inquiry.id)])
