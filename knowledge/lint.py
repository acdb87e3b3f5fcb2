"""Checks on guidance articles beyond their format: sources a reader can follow, a review note,
and the support line's contact referred to rather than written out.

`supportline kb lint` runs these on a directory of articles; the test suite runs them on the
shipped content. Messages are in Swedish, for the editors who read them.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from .article import Article, ArticleError, read_article
from .contact import (
    FACTS_FILE,
    PLACEHOLDER_ONLY_IN_BODY,
    PLACEHOLDER_RE,
    LineContact,
    unknown_placeholder_message,
    unknown_placeholders,
)

ERROR = "fel"
WARNING = "varning"

# Statutes are cited with the page of that statute at the Riksdag or lagen.nu.
STATUTE_HOSTS = ("riksdagen.se", "lagen.nu")
_SFS_IN_TITLE = re.compile(r"\bSFS \d{4}:\d+")
# "ring {{stodlinjen.telefon}}" would tell readers to call a number that may not be confirmed.
_CALL_THE_PHONE = re.compile(r"\bring(?:a|er)?\s+\{\{\s*stodlinjen\.telefon\s*\}\}", re.IGNORECASE)


@dataclass(frozen=True)
class Finding:
    level: str  # ERROR or WARNING
    where: str  # the file or slug; "" for the installation as a whole
    message: str

    def __str__(self) -> str:
        prefix = f"{self.where}: " if self.where else ""
        return f"{prefix}{self.level}: {self.message}"


def retired_numbers(facts_file: str | Path = FACTS_FILE) -> list[str]:
    """Numbers articles must not write out (the line's old number)."""
    facts = yaml.safe_load(Path(facts_file).read_text(encoding="utf-8"))
    return [entry["number"] for entry in facts.get("phones", []) if entry.get("retired")]


def _host(url: str) -> str:
    host = (urlsplit(url).hostname or "").lower()
    return host.removeprefix("www.")


def _source_problems(article: Article) -> list[str]:
    problems = []
    for number, source in enumerate(article.sources, start=1):
        name = f"källa {number} ({source.title})"
        if source.kind == "bok":
            if not source.publisher or not source.year:
                problems.append(f"{name}: en tryckt bok behöver förlag (publisher) och år (year)")
        elif not source.url:
            problems.append(f"{name}: länk (url) saknas; bara en tryckt bok (kind: bok) får sakna länk")
        else:
            parts = urlsplit(source.url)
            if not parts.path.strip("/") and not parts.query:
                problems.append(f"{name}: {source.url} är en startsida; länka till den sida eller det "
                                "dokument som stöder texten")
            if _SFS_IN_TITLE.search(source.title) and not any(
                _host(source.url) == host or _host(source.url).endswith("." + host) for host in STATUTE_HOSTS
            ):
                problems.append(f"{name}: en författning länkas till sin sida på riksdagen.se eller lagen.nu")
        if article.in_force_since and source.year and source.year < article.in_force_since.year:
            problems.append(f"{name}: från {source.year}, äldre än reglerna artikeln beskriver "
                            f"(in_force_since {article.in_force_since.isoformat()})")
    return problems


def lint_article(article: Article, contact: LineContact, retired: Iterable[str] = ()) -> list[Finding]:
    """Every problem in one article (the contact's own warning is lint_articles' business)."""
    where = article.slug
    findings = [Finding(ERROR, where, problem) for problem in _source_problems(article)]
    if not article.review_note:
        findings.append(Finding(ERROR, where, "review_note saknas: skriv vad som granskades, mot vilka källor "
                                              "och vad som återstår att verifiera"))
    text = "\n".join([article.title, article.summary, article.body])
    written = [number for number in [*retired, contact.phone or ""] if number and number in text]
    for number in dict.fromkeys(written):
        findings.append(Finding(ERROR, where, f"stödtelefonens nummer {number} är utskrivet; skriv {{{{stodlinjen}}}} "
                                              "så att texten följer inställningen"))
    for name in dict.fromkeys(unknown_placeholders(text)):
        findings.append(Finding(ERROR, where, unknown_placeholder_message(name)))
    if PLACEHOLDER_RE.search(article.title) or PLACEHOLDER_RE.search(article.summary):
        findings.append(Finding(ERROR, where, PLACEHOLDER_ONLY_IN_BODY))
    if _CALL_THE_PHONE.search(text):
        findings.append(Finding(ERROR, where, "skriv \"kontakta {{stodlinjen}}\", inte \"ring "
                                              "{{stodlinjen.telefon}}\": numret kan vara obekräftat"))
    return findings


def contact_findings(contact: LineContact) -> list[Finding]:
    return [Finding(WARNING, "", contact.warning)] if contact.warning else []


def lint_articles(articles: Iterable[Article], contact: LineContact,
                  facts_file: str | Path = FACTS_FILE) -> list[Finding]:
    retired = retired_numbers(facts_file)
    findings = contact_findings(contact)
    for article in articles:
        findings.extend(lint_article(article, contact, retired))
    return findings


def lint_directory(directory: str | os.PathLike, contact: LineContact,
                   facts_file: str | Path = FACTS_FILE) -> list[Finding]:
    """Lint every *.md file; a file that does not parse is one finding, not the end of the run."""
    articles = []
    unreadable = []
    for path in sorted(Path(directory).glob("*.md")):
        try:
            articles.append(read_article(path))
        except ArticleError as exc:
            unreadable.append(Finding(ERROR, path.name, exc.message if exc.line is None
                                      else f"rad {exc.line}: {exc.message}"))
    return lint_articles(articles, contact, facts_file) + unreadable
