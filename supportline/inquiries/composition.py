"""How a case is made up, derived from its persons: never typed, so it cannot disagree with them.

The line's series since 2014 counts cases of one person, siblings, a parent with children and
a couple. The persons of a case carry an age group and a gender, nothing that says how they are
related, so the composition is read from the ages of the *exposed* persons (persons only
mentioned do not count), by these rules, in this order:

1. no exposed person: ``other`` (not known);
2. one exposed person: ``one_person``;
3. any exposed person of unknown age: ``other`` (the rules below need the ages);
4. nobody 21 or older (children, and young adults of 18–20 with them): ``siblings``;
5. exactly one person 21 or older and everyone else under 18: ``parent_with_children``, if the
   adult could be the children's parent: 26 or older, or 21–25 with every child under 13;
6. exactly two persons, both 18 or older: ``couple``;
7. anything else (two adults with children, three adults, a 22-year-old with a 17-year-old):
   ``other``.

Rule 4 also calls two 19-year-olds siblings, and rule 6 calls two adult sisters a couple: with
ages alone that cannot be told apart, and the rules keep the series' reading of the common cases.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

MINOR = ("0-5", "6-12", "13-15", "16-17")
YOUNG_ADULT = ("18-20",)
ADULT = ("21-25", "26+")
# Children a 21–25-year-old could be the parent of.
YOUNG_PARENTS_CHILDREN = ("0-5", "6-12")


def _exposed_ages(persons: Iterable) -> list[str]:
    ages = []
    for person in persons:
        if isinstance(person, Mapping):
            role, age = person.get("role") or "exposed", person.get("age_group") or "unknown"
        else:
            role, age = getattr(person, "role", None) or "exposed", person.age_group or "unknown"
        if role == "exposed":
            ages.append(age)
    return ages


def _parent_with_children(ages: list[str]) -> bool:
    adults = [a for a in ages if a in ADULT]
    children = [a for a in ages if a in MINOR]
    if len(adults) != 1 or len(children) != len(ages) - 1:
        return False
    return adults[0] == "26+" or all(a in YOUNG_PARENTS_CHILDREN for a in children)


def case_composition(persons: Iterable) -> str:
    """The composition code (taxonomy.COMPOSITIONS) of a case's persons: ExposedPerson rows or
    dicts with age_group and role, as the canonical record holds them."""
    ages = _exposed_ages(persons)
    if not ages:
        return "other"
    if len(ages) == 1:
        return "one_person"
    if "unknown" in ages or any(a not in (*MINOR, *YOUNG_ADULT, *ADULT) for a in ages):
        return "other"
    if not any(a in ADULT for a in ages):
        return "siblings"
    if _parent_with_children(ages):
        return "parent_with_children"
    if len(ages) == 2 and not any(a in MINOR for a in ages):
        return "couple"
    return "other"
