"""The privacy guard finds personnummer, samordningsnummer, e-mail addresses and phone numbers."""

import datetime as dt
import random

import pytest

from supportline.privacy.guard import REPLACEMENT, find_personal_data, redact


def luhn_digit(nine: str) -> str:
    total = 0
    for i, ch in enumerate(nine):
        n = int(ch) * (2 if i % 2 == 0 else 1)
        total += n - 9 if n > 9 else n
    return str((10 - total % 10) % 10)


def numbers_for(day: dt.date, serial: str, coordination: bool = False) -> list[tuple[str, str]]:
    """Every written form of one valid number, with the kind it must be reported as."""
    dd = day.day + (60 if coordination else 0)
    short = f"{day:%y%m}{dd:02d}"
    check = luhn_digit(short + serial)
    kind = "samordningsnummer" if coordination else "personnummer"
    century = f"{day:%Y}"[:2]
    sep = "+" if day.year < 1926 else "-"
    return [(f"{short}{sep}{serial}{check}", kind), (f"{short}{serial}{check}", kind),
            (f"{century}{short}-{serial}{check}", kind), (f"{century}{short}{serial}{check}", kind),
            (f"{short} {sep} {serial}{check}".replace(" ", "", 1), kind)]


SURROUNDINGS = [
    "{}", "Flickans pnr {} nämndes.", "({})", "pnr:{}.", "Barn {}, 14 år", "{}\nNästa rad", "\t{};",
    "Personnummer: {} (flicka)", "»{}«", "…{}…", "Se {}, och sedan 3 st andra.",
    # labels typed without a space
    "pnr{}", "Pnr:{}", "ABC{}", "{}abc", "personnummer{}.",
]


def test_every_valid_number_in_any_surrounding_text_is_caught():
    rng = random.Random(20260701)
    checked = 0
    for _ in range(400):
        day = dt.date(1910, 1, 1) + dt.timedelta(days=rng.randrange(0, 115 * 365))
        serial = f"{rng.randrange(0, 1000):03d}"
        for number, kind in numbers_for(day, serial, coordination=rng.random() < 0.3):
            template = rng.choice(SURROUNDINGS)
            text = template.format(number)
            findings = find_personal_data(text)
            assert [f.kind for f in findings] == [kind], (text, findings)
            assert findings[0].text.replace(" ", "") == number.replace(" ", "")
            redacted, count = redact(text)
            assert count == 1 and REPLACEMENT in redacted and number not in redacted
            checked += 1
    assert checked == 2000


def test_twelve_digit_numbers_failing_luhn_are_not_flagged():
    rng = random.Random(7)
    for _ in range(500):
        day = dt.date(1930, 1, 1) + dt.timedelta(days=rng.randrange(0, 90 * 365))
        serial = f"{rng.randrange(0, 1000):03d}"
        good = luhn_digit(f"{day:%y%m%d}" + serial)
        bad = str((int(good) + rng.randrange(1, 10)) % 10)
        text = f"Ärendenummer {day:%Y%m%d}{serial}{bad} i systemet"
        assert find_personal_data(text) == [], text


@pytest.mark.parametrize("text", [
    "Mötet var 2024-05-01 kl 08-17.", "Lagen (2024:79) och SFS 2022:310", "4 kap. 4 e § brottsbalken",
    "Hon är 15 år och har 3 syskon.", "Dnr 1234-567", "", "Tidsgräns 1 dygn", "År 2020 ringde 1019",
    "991332-1234",  # month 13
    # letters glued to numbers that are no identity number: an order number with a date, a failed
    # Luhn check, a VAT number (an organisation number has a month of 20 or more)
    "Order ABC-2024-01-01 skickad", "ORD2401011235", "SE556123456701",
])
def test_ordinary_text_is_not_flagged(text):
    assert find_personal_data(text) == []


@pytest.mark.parametrize(("text", "kind"), [
    ("Ring mig på 070-123 45 67", "phone"),
    ("Växeln 010-223 57 60", "phone"),
    ("+46 70 123 45 67", "phone"),
    ("0046701234567", "phone"),
    ("08-123 456 78", "phone"),
    ("Mejla anna.andersson@skola.example.se", "email"),
    ("ÅSA.Ö@kommun.se", "email"),
])
def test_contact_details_are_found(text, kind):
    findings = find_personal_data(text)
    assert [f.kind for f in findings] == [kind]


def test_messages_are_swedish_and_do_not_repeat_the_whole_number():
    finding = find_personal_data("Flickan 121212-1212 bor hemma")[0]
    assert finding.kind == "personnummer"
    assert "personnummer får inte sparas" in finding.message_sv
    assert "121212-1212" not in finding.message_sv
    assert (finding.start, finding.end) == (8, 19)


def test_samordningsnummer_is_day_plus_sixty():
    text = "Samordningsnummer 701063-2391"
    assert [f.kind for f in find_personal_data(text)] == ["samordningsnummer"]


def test_redact_replaces_everything_and_counts():
    text, count = redact("Pnr 19121212-1212, tel 070-1234567 och e-post x@y.se.")
    assert count == 3
    assert text == "Pnr [borttaget], tel [borttaget] och e-post [borttaget]."
    assert redact("") == ("", 0)


def test_a_date_shaped_number_failing_luhn_is_a_possible_identity_number():
    from supportline.privacy.guard import find_possible_identity_numbers

    text = "Flickan har nummer 201001012384 enligt skolan"
    assert find_personal_data(text) == []  # not refused outright: it may be a case number
    (found,) = find_possible_identity_numbers(text)
    assert found.text == "201001012384" and "ser ut som ett personnummer" in found.message_sv
    assert "2384" not in found.message_sv  # the message does not repeat the whole number
    assert redact(text) == (text, 0)
    assert redact(text, possible=True) == (f"Flickan har nummer {REPLACEMENT} enligt skolan", 1)


@pytest.mark.parametrize("text", [
    "Ärende 2010010123849 i systemet",  # 13 digits: no identity number
    "991332-1234",  # month 13
    "Ring 070-123 45 67",  # a phone number is refused as one, not asked about
    "201001012382",  # Luhn-valid: refused as a personnummer
])
def test_no_warning_where_there_is_no_doubt(text):
    from supportline.privacy.guard import find_possible_identity_numbers

    assert find_possible_identity_numbers(text) == []
