"""How a case is made up, derived from its persons (supportline/inquiries/composition.py)."""

from __future__ import annotations

import pytest

from supportline.inquiries import taxonomy as tx
from supportline.inquiries.composition import case_composition
from supportline.inquiries.models import ExposedPerson


def persons(*ages: str, mentioned: tuple[str, ...] = ()) -> list[dict]:
    return ([{"age_group": a, "gender": "girl_woman"} for a in ages]
            + [{"age_group": a, "gender": "boy_man", "role": "mentioned"} for a in mentioned])


@pytest.mark.parametrize(("ages", "mentioned", "expected"), [
    ((), (), "other"),                                     # nobody recorded: not known
    ((), ("26+",), "other"),                               # only a mentioned person
    (("13-15",), (), "one_person"),
    (("unknown",), (), "one_person"),                      # one person, age not known
    (("16-17",), ("13-15", "6-12"), "one_person"),         # mentioned siblings do not count
    (("13-15", "6-12"), (), "siblings"),
    (("18-20", "16-17", "0-5"), (), "siblings"),           # a young adult with younger siblings
    (("26+", "6-12", "0-5"), (), "parent_with_children"),  # a mother with children
    (("21-25", "0-5"), (), "parent_with_children"),        # a young parent with a small child
    (("21-25", "16-17"), (), "other"),                     # too close in age to be parent and child
    (("26+", "18-20"), (), "couple"),                      # two adults: the series' couple
    (("21-25", "21-25"), (), "couple"),
    (("26+", "26+", "6-12"), (), "other"),                 # two adults with a child
    (("26+", "26+", "26+"), (), "other"),
    (("13-15", "unknown"), (), "other"),                   # an age missing: the rules cannot tell
])
def test_the_composition_follows_the_documented_rules(ages, mentioned, expected):
    assert case_composition(persons(*ages, mentioned=mentioned)) == expected
    assert expected in tx.COMPOSITIONS


def test_the_rows_of_a_case_give_the_same_answer_as_its_record():
    rows = [ExposedPerson(age_group="26+", gender="girl_woman", role="exposed"),
            ExposedPerson(age_group="6-12", gender="boy_man", role="exposed"),
            ExposedPerson(age_group="26+", gender="boy_man", role="mentioned")]
    assert case_composition(rows) == case_composition([p.as_dict() for p in rows]) == "parent_with_children"


def test_every_composition_has_a_swedish_label():
    assert tx.COMPOSITIONS == {"one_person": "En person", "siblings": "Syskon",
                               "parent_with_children": "Förälder med barn", "couple": "Par",
                               "other": "Annan eller okänd sammansättning"}
