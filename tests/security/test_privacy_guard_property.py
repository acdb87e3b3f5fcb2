"""Property tests of the privacy guard (tests/inquiries/test_privacy_guard.py has the examples):
hypothesis makes the dates, serials, written forms and the text around them."""

from __future__ import annotations

import datetime as dt
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from supportline.privacy.guard import find_personal_data
from tests.inquiries.test_privacy_guard import luhn_digit

SETTINGS = settings(max_examples=300, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow])
IDENTITY = {"personnummer", "samordningsnummer"}


@st.composite
def identity_numbers(draw):
    day = draw(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2025, 12, 31)))
    serial = f"{draw(st.integers(0, 999)):03d}"
    coordination = draw(st.booleans())
    dd = day.day + (60 if coordination else 0)
    short = f"{day:%y%m}{dd:02d}"
    check = luhn_digit(short + serial)
    sep = "+" if day.year < 1926 else "-"
    form = draw(st.sampled_from(["short-sep", "short", "long-sep", "long"]))
    century = f"{day:%Y}"[:2]
    number = {"short-sep": f"{short}{sep}{serial}{check}", "short": f"{short}{serial}{check}",
              "long-sep": f"{century}{short}-{serial}{check}", "long": f"{century}{short}{serial}{check}"}[form]
    return number, "samordningsnummer" if coordination else "personnummer"


# Text around the number: anything, letters glued on either side included ("pnr121212-1212",
# "ABC8112189876x"), except more digits glued on (then it is part of a longer number, which the
# guard rightly leaves alone). Letters are drawn often on purpose: in arbitrary text they are rare.
letters = st.text(st.characters(categories=("Lu", "Ll")), min_size=1, max_size=8)
labels = st.sampled_from(["pnr", "Pnr:", "nr:", "nr", "PN", "ABC", "id", "personnr", "ärende", "Åsa"])
before_text = st.one_of(
    st.text(max_size=60),
    st.tuples(st.text(max_size=40), st.one_of(letters, labels)).map("".join),
).filter(lambda s: not re.search(r"\d$", s))
after_text = st.one_of(
    st.text(max_size=60),
    st.tuples(letters, st.text(max_size=40)).map("".join),
).filter(lambda s: not s or not s[0].isdigit())


@SETTINGS
@given(identity_numbers(), before_text, after_text)
def test_every_valid_number_in_any_surrounding_text_is_caught(number_kind, before, after):
    number, kind = number_kind
    text = before + number + after
    start = len(before)
    hits = [f for f in find_personal_data(text) if f.kind in IDENTITY and f.start <= start < f.end]
    assert hits, (text, find_personal_data(text))
    assert hits[0].kind == kind


@st.composite
def non_luhn_twelve_digits(draw):
    digits = draw(st.text(alphabet="0123456789", min_size=11, max_size=11))
    good = luhn_digit(digits[2:])
    bad = draw(st.sampled_from([d for d in "0123456789" if d != good]))
    return digits + bad


@SETTINGS
@given(non_luhn_twelve_digits(), st.sampled_from(["{}", "Ärende {} i systemet", "({})", "nr:{}.", "{}\n",
                                                  "pnr{}", "ABC{}", "Order{}X", "ärende{}å"]))
def test_no_twelve_digit_number_failing_luhn_stops_a_handler(number, template):
    # International phone numbers (0046...) are phone numbers, which the guard is meant to find.
    if number.startswith("00"):
        return
    assert find_personal_data(template.format(number)) == [], number


@st.composite
def order_numbers(draw):
    """Codes a handler might have to write down: letters glued to digits that are no valid
    identity number (a month that does not exist, or a failed Luhn check)."""
    prefix = draw(st.text(st.characters(categories=("Lu",)), min_size=1, max_size=4))
    digits = draw(st.text(alphabet="0123456789", min_size=10, max_size=10))
    yy, mm, dd, serial = digits[:2], digits[2:4], digits[4:6], digits[6:9]
    if draw(st.booleans()):
        mm = f"{draw(st.integers(13, 99)):02d}"
        check = digits[9]
    else:
        good = luhn_digit(yy + mm + dd + serial)
        check = draw(st.sampled_from([d for d in "0123456789" if d != good]))
    separator = draw(st.sampled_from(["", "-"]))
    return f"{prefix}{yy}{mm}{dd}{separator}{serial}{check}"


@SETTINGS
@given(order_numbers(), st.sampled_from(["{}", "Ordernummer {} skickad.", "({})", "ref:{}"]))
def test_letters_glued_to_a_number_that_is_no_identity_number_stop_nobody(code, template):
    findings = [f for f in find_personal_data(template.format(code)) if f.kind in IDENTITY]
    assert findings == [], code
