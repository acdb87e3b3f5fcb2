"""The knowledge base: articles, their rendering and their search index (no Flask, no database)."""

from .article import (
    Article,
    ArticleError,
    Source,
    dump_article,
    load_directory,
    parse_article,
    read_article,
    validate_article,
    write_directory,
)
from .contact import LineContact, expand, expand_article, load_line_contact, unknown_placeholders
from .lint import Finding, lint_article, lint_articles, lint_directory
from .query import normalise_query
from .render import internal_links, plain_text, render_markdown
from .search import (
    SCHEMA_VERSION,
    Hit,
    IndexBusy,
    IndexNeedsRebuild,
    IndexUnavailable,
    SearchIndex,
    SearchResults,
)
from .taxonomy import AUDIENCES, TOPICS, VISIBILITIES
from .words import compound_candidates, load_synonyms, split_compound

__all__ = [
    "AUDIENCES",
    "SCHEMA_VERSION",
    "TOPICS",
    "VISIBILITIES",
    "Article",
    "ArticleError",
    "Hit",
    "IndexBusy",
    "IndexNeedsRebuild",
    "IndexUnavailable",
    "SearchIndex",
    "SearchResults",
    "Source",
    "Finding",
    "LineContact",
    "compound_candidates",
    "dump_article",
    "expand",
    "expand_article",
    "internal_links",
    "lint_article",
    "lint_articles",
    "lint_directory",
    "load_line_contact",
    "load_synonyms",
    "load_directory",
    "normalise_query",
    "parse_article",
    "plain_text",
    "read_article",
    "render_markdown",
    "unknown_placeholders",
    "split_compound",
    "validate_article",
    "write_directory",
]
