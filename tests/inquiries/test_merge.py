"""The three-way merge's comparison: one spelling per value, whatever shape the API was sent."""

import pytest

from supportline.inquiries.merge import comparable


@pytest.mark.parametrize("odd", [True, 1, "text", {"age_group": "13-15"}, None])
def test_persons_of_an_odd_shape_compare_as_no_persons(odd):
    # A PATCH after a conflict may carry anything in `exposed_persons`; comparing it must not fail.
    assert comparable("exposed_persons", odd) == ""


def test_persons_and_codes_compare_as_sets():
    one = [{"age_group": "13-15", "gender": "girl_woman"}, {"age_group": "6-12", "gender": "boy_man"}]
    assert comparable("exposed_persons", one) == comparable("exposed_persons", list(reversed(one)))
    assert comparable("question_topics", ["lvu", "exit_ban"]) == comparable("question_topics", ["exit_ban", "lvu"])
