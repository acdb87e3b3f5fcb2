"""What a search returns."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Hit:
    slug: str
    title: str
    summary: str
    snippet_html: str
    score: float
    topics: list[str] = field(default_factory=list)
    audiences: list[str] = field(default_factory=list)
    visibility: str = "public"


@dataclass
class SearchResults:
    hits: list[Hit]
    total: int
    page: int
    pages: int
    facets: dict[str, dict[str, int]]
    suggestion: str | None
    query: str
    partial: bool = False
    # The query read as English: only the words the index knows were searched.
    foreign: bool = False
    # Set when the query found nothing and these are the results of its suggestion instead:
    # the query as the reader wrote it.
    corrected_from: str | None = None


def split_codes(value: str | None) -> list[str]:
    """The codes of a stored keyword field ("school,health")."""
    return [code for code in (value or "").split(",") if code]
