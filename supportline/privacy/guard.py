"""The privacy guard: finds personal data in free text that must never be stored silently.

Pure functions, no Flask and no database, so forms, the API, drafts, imports and jobs can
all call it. Detects Swedish personnummer and samordningsnummer (10 or 12 digits, with or
without separator, Luhn-valid, `+` for people aged 100 or more, samordningsnummer = day + 60,
also when letters touch them), e-mail addresses and phone numbers. A date-shaped number whose
check digit is wrong is reported apart, for a person to confirm or remove.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass

REPLACEMENT = "[borttaget]"


@dataclass(frozen=True)
class Finding:
    kind: str  # personnummer | samordningsnummer | email | phone
    start: int
    end: int
    text: str
    message_sv: str


# Digits must not run on into more digits either side, or we would find numbers inside
# longer identifiers (and flag every long number). Letters may touch the number on either
# side ("pnr121212-1212", "ABC8112189876"): people type labels without a space. A run of
# digits glued to letters is not a personnummer by accident any more often than a bare one:
# it still needs a real date and the Luhn check.
_ID_RE = re.compile(r"(?<!\d)(\d{2})?(\d{2})(\d{2})(\d{2})\s?([-+]?)\s?(\d{3})(\d)(?!\d)")
_EMAIL_RE = re.compile(r"(?<![\w.+-])[\w.%+-]{1,64}@[\w-]+(?:\.[\w-]+)*\.[^\W\d_]{2,}", re.UNICODE)
# Swedish numbers: a trunk 0 or +46/0046, then 7-9 digits of national number, in groups
# separated by spaces or hyphens. An area code in parentheses is allowed.
_PHONE_RE = re.compile(
    r"(?<![\w+])(?:(?:\+|00)46[\s-]?(?:\(0\)[\s-]?)?|\(?0)[1-9](?:\)?[\s-]?\d){6,8}(?![\d])"
)


def _luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(digits):
        n = int(ch) * (2 if i % 2 == 0 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0


def _date_ok(century: str | None, yy: str, mm: str, dd: int) -> bool:
    month = int(mm)
    if not 1 <= month <= 12 or dd < 1:
        return False
    if century is None:
        # Without a century both 19xx and 20xx (or 18xx) are possible: allow 29 February.
        last = 29 if month == 2 else calendar.monthrange(2001, month)[1]
    else:
        if century not in {"18", "19", "20"}:
            return False
        last = calendar.monthrange(int(century + yy), month)[1]
    return dd <= last


def _identity_number(match: re.Match) -> tuple[str, bool] | None:
    """('personnummer' or 'samordningsnummer', whether the check digit is right), or None when
    the number does not start with a date."""
    century, yy, mm, dd, _sep, serial, check = match.groups()
    day = int(dd)
    kind = "personnummer"
    if day > 60:
        day -= 60
        kind = "samordningsnummer"
    if not _date_ok(century, yy, mm, day):
        return None
    return kind, _luhn_ok(yy + mm + dd + serial + check)


def _mask(text: str) -> str:
    digits = re.sub(r"\D", "", text)
    return digits[:-4] + "-****" if len(digits) > 4 else "****"


_MESSAGES = {
    "personnummer": ("Texten innehåller ett personnummer ({shown}). Ärenden ska vara avidentifierade: "
                     "personnummer får inte sparas i ärendet."),
    "samordningsnummer": ("Texten innehåller ett samordningsnummer ({shown}). Ärenden ska vara avidentifierade: "
                          "samordningsnummer får inte sparas i ärendet."),
    "possible_identity_number": (
        "Texten innehåller ett nummer som ser ut som ett personnummer ({shown}): ett datum följt av fyra "
        "siffror. Även ett felskrivet personnummer kan peka ut en person. Ta bort numret, eller bekräfta att det "
        "inte är ett personnummer."),
    "email": ("Texten innehåller en e-postadress ({shown}). Kontaktuppgifter är personuppgifter och får bara "
              "stå i fälten för återkontakt, inte i ärendetexten."),
    "phone": ("Texten innehåller ett telefonnummer ({shown}). Kontaktuppgifter är personuppgifter och får bara "
              "stå i fälten för återkontakt, inte i ärendetexten."),
}


def _shown(kind: str, text: str) -> str:
    if kind in {"personnummer", "samordningsnummer", "possible_identity_number"}:
        return _mask(text)
    if kind == "email":
        local, _, domain = text.partition("@")
        return local[:1] + "…@" + domain
    digits = re.sub(r"\D", "", text)
    return digits[:3] + "…" + digits[-2:]


def find_personal_data(text: str | None) -> list[Finding]:
    """Every piece of personal data in the text, in order, without overlaps."""
    return _scan(text)[0]


def find_possible_identity_numbers(text: str | None) -> list[Finding]:
    """Numbers shaped like a personnummer or samordningsnummer (a real date and four digits)
    whose check digit is wrong, where find_personal_data finds nothing: a mistyped
    personnummer still points to a person, but so may not a case or reference number. The
    caller asks a person to confirm or remove them, rather than refusing them outright."""
    return _scan(text)[1]


def confirmation_key(text: str) -> str:
    """What a confirmation of a possible identity number refers to: its digits."""
    return re.sub(r"\D", "", text)


def _scan(text: str | None) -> tuple[list[Finding], list[Finding]]:
    if not text:
        return [], []
    # Every kind needs an "@" or at least eight digits (a phone number has 8-10, an identity
    # number 10 or 12). Most case text has neither, and this check is far cheaper than the
    # three patterns, which matters when the handover export scans every text.
    if "@" not in text and sum(map(text.count, "0123456789")) < 8:
        return [], []
    findings: list[Finding] = []
    possible: list[re.Match] = []
    taken: list[tuple[int, int]] = []

    def free(start: int, end: int) -> bool:
        return all(end <= s or start >= e for s, e in taken)

    def add(kind: str, start: int, end: int) -> None:
        found = text[start:end]
        findings.append(Finding(kind, start, end, found, _MESSAGES[kind].format(shown=_shown(kind, found))))
        taken.append((start, end))

    for m in _ID_RE.finditer(text):
        found = _identity_number(m)
        if found and found[1]:
            add(found[0], m.start(), m.end())
        elif found:
            possible.append(m)
    for m in _EMAIL_RE.finditer(text):
        if free(m.start(), m.end()):
            add("email", m.start(), m.end())
    for m in _PHONE_RE.finditer(text):
        if free(m.start(), m.end()):
            add("phone", m.start(), m.end())
    findings.sort(key=lambda f: f.start)
    # A phone number can start with something date-shaped too; it is refused as a phone number.
    doubtful = [Finding("possible_identity_number", m.start(), m.end(), m.group(0),
                        _MESSAGES["possible_identity_number"].format(shown=_mask(m.group(0))))
                for m in possible if free(m.start(), m.end())]
    return findings, doubtful


def redact(text: str | None, *, possible: bool = False) -> tuple[str, int]:
    """The text with every finding replaced by [borttaget], and how many were replaced; with
    possible=True also the numbers find_possible_identity_numbers reports."""
    if not text:
        return text or "", 0
    findings, doubtful = _scan(text)
    if possible:
        findings = sorted(findings + doubtful, key=lambda f: f.start)
    out = []
    pos = 0
    for f in findings:
        out.append(text[pos:f.start])
        out.append(REPLACEMENT)
        pos = f.end
    out.append(text[pos:])
    return "".join(out), len(findings)
