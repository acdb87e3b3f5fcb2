"""The support line's contact: one setting that articles, pages and the handover refer to.

Articles never write the line's number out; they write `{{stodlinjen}}` (or one of the single
facts below) and the text is expanded when it is shown or indexed. The shipped default lives
in knowledge/facts.yaml (`line_contact`); an installation overrides it through configuration.
A phone number or opening hours that could not be confirmed are never shown as fact: the
public text points to the operator's own page instead.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

FACTS_FILE = Path(__file__).with_name("facts.yaml")

# `{{ name }}` or `{{ name.fact }}`; anything else between double braces is an unknown placeholder.
PLACEHOLDER_RE = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")
PLACEHOLDERS = ("stodlinjen", "stodlinjen.namn", "stodlinjen.huvudman", "stodlinjen.telefon",
                "stodlinjen.oppettider")

# The keys of the setting, as in facts.yaml and in the overrides (SUPPORTLINE_LINE_<KEY>).
KEYS = ("name", "operator", "operator_short", "phone", "hours", "changed_hours", "url")


@dataclass(frozen=True)
class LineContact:
    name: str
    operator: str
    operator_short: str
    url: str
    phone: str | None = None
    hours: str | None = None
    changed_hours: str | None = None
    phone_confirmed: bool = False
    hours_confirmed: bool = False
    url_confirmed: bool = False

    @property
    def show_phone(self) -> bool:
        return bool(self.phone) and self.phone_confirmed

    @property
    def show_hours(self) -> bool:
        return bool(self.hours) and self.hours_confirmed

    @property
    def tel_href(self) -> str | None:
        return tel_href(self.phone) if self.show_phone else None

    @property
    def unconfirmed(self) -> list[str]:
        """What the operator still has to verify, in Swedish, for the editor and `kb lint`."""
        missing = []
        if not self.show_phone:
            missing.append("telefonnummer")
        if not self.show_hours:
            missing.append("öppettider")
        if not self.url_confirmed:
            missing.append("länk till huvudmannens sida om stödtelefonen")
        return missing

    @property
    def warning(self) -> str | None:
        if not self.unconfirmed:
            return None
        return (f"Stödtelefonens kontaktuppgifter att verifiera: {', '.join(self.unconfirmed)}. "
                "Till dess hänvisar texterna till huvudmannens webbplats i stället för ett nummer. "
                "Driften sätter SUPPORTLINE_LINE_PHONE och SUPPORTLINE_LINE_URL (docs/OPERATIONS.md, "
                "avsnitt 3) och en administratör bekräftar öppettiderna under Administration, Öppettider "
                "när uppgifterna är bekräftade med huvudmannen.")

    @property
    def fingerprint(self) -> str:
        """Changes whenever any expanded text would change (the search index is rebuilt then)."""
        text = repr(dataclasses.astuple(self))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]

    # --- the texts ------------------------------------------------------------------------------

    def _see_page(self, markdown: bool) -> str:
        label = f"{self.operator_short}:s webbplats"
        return f"[{label}]({self.url})" if markdown else f"{label}, {self.url}"

    def phone_text(self, markdown: bool = True) -> str:
        return self.phone if self.show_phone else f"se {self._see_page(markdown)}"

    def hours_text(self, markdown: bool = True) -> str:
        if not self.show_hours:
            return f"se {self._see_page(markdown)}"
        if self.changed_hours:
            return f"{self.hours} ({self.changed_hours})"
        return self.hours

    def phrase(self, markdown: bool = True) -> str:
        """The line as a noun phrase: who runs it and how to reach it."""
        if self.show_phone and self.show_hours:
            reach = f"telefon {self.phone}, {self.hours_text(markdown)}"
        elif self.show_phone:
            reach = f"telefon {self.phone}; öppettider på {self._see_page(markdown)}"
        elif self.show_hours:
            reach = f"telefonnummer på {self._see_page(markdown)}; öppet {self.hours_text(markdown)}"
        else:
            reach = f"telefonnummer och öppettider på {self._see_page(markdown)}"
        return f"{self.name} vid {self.operator} ({reach})"

    def values(self, markdown: bool = True) -> dict[str, str]:
        return {
            "stodlinjen": self.phrase(markdown),
            "stodlinjen.namn": self.name,
            "stodlinjen.huvudman": self.operator,
            "stodlinjen.telefon": self.phone_text(markdown),
            "stodlinjen.oppettider": self.hours_text(markdown),
        }


def tel_href(number: str) -> str:
    """`tel:` link for a Swedish number as written (010-223 57 60 -> tel:+46102235760)."""
    digits = re.sub(r"\D", "", number)
    if digits.startswith("0"):
        return f"tel:+46{digits[1:]}"
    return f"tel:{digits}"


def load_line_contact(overrides: Mapping[str, str | None] | None = None,
                      facts_file: str | Path = FACTS_FILE) -> LineContact:
    """The shipped contact from facts.yaml, with an installation's overrides applied.

    A phone number, hours or link given as an override counts as confirmed: the operator who
    sets it has checked it.
    """
    data = yaml.safe_load(Path(facts_file).read_text(encoding="utf-8"))["line_contact"]
    values = {key: data.get(key) for key in KEYS}
    confirmed = {name: bool(data.get(f"{name}_confirmed")) for name in ("phone", "hours", "url")}
    for key, value in (overrides or {}).items():
        if key not in KEYS:
            raise ValueError(f"okänd uppgift om stödtelefonen: {key}")
        if value is None or not str(value).strip():
            continue
        values[key] = " ".join(str(value).split())
        if key in confirmed:
            confirmed[key] = True
    for key in ("name", "operator", "operator_short", "url"):
        if not values.get(key):
            raise ValueError(f"line_contact.{key} saknas i {Path(facts_file).name}")
    return LineContact(**values, **{f"{name}_confirmed": flag for name, flag in confirmed.items()})


def unknown_placeholders(text: str) -> list[str]:
    """Placeholders in text that expand to nothing (a typo would otherwise show braces)."""
    return [match.group(1) for match in PLACEHOLDER_RE.finditer(text) if match.group(1) not in PLACEHOLDERS]


# Titles and summaries are shown in lists and results as they are stored.
PLACEHOLDER_ONLY_IN_BODY = ("Platshållare som {{stodlinjen}} fungerar bara i artikeltexten, "
                            "inte i rubrik eller sammanfattning.")


def unknown_placeholder_message(name: str) -> str:
    allowed = ", ".join("{{" + known + "}}" for known in PLACEHOLDERS)
    return f"okänd platshållare {{{{{name}}}}}; tillåtna: {allowed}"


def expand(text: str, contact: LineContact, markdown: bool = True) -> str:
    """Text with the contact placeholders replaced; unknown ones are left for the lint to find."""
    if "{{" not in text:
        return text
    values = contact.values(markdown)
    return PLACEHOLDER_RE.sub(lambda match: values.get(match.group(1), match.group(0)), text)


def expand_article(article, contact: LineContact):
    """A copy of an article with its title, summary and body expanded, for showing and indexing."""
    return dataclasses.replace(article, title=expand(article.title, contact, markdown=False),
                               summary=expand(article.summary, contact, markdown=False),
                               body=expand(article.body, contact))
