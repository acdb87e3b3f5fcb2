"""The knowledge base: articles, their rendering and their search index (no Flask, no database).

The names below are loaded from their module on first use (PEP 562): a process that only reads the
taxonomy or the line's contact details (every command of the app, a web worker until its first
search) does not import Whoosh, Markdown and the linter (about 0.13 s of its start)."""

from __future__ import annotations

import importlib

# name -> the module of this package that defines it
_HOMES = {
    "article": ("Article", "ArticleError", "Source", "dump_article", "load_directory", "parse_article",
                "read_article", "validate_article", "write_directory"),
    "contact": ("LineContact", "expand", "expand_article", "load_line_contact", "unknown_placeholders"),
    "lint": ("Finding", "lint_article", "lint_articles", "lint_directory"),
    "query": ("normalise_query",),
    "render": ("internal_links", "plain_text", "render_markdown"),
    "search": ("SCHEMA_VERSION", "Hit", "IndexBusy", "IndexNeedsRebuild", "IndexUnavailable", "SearchIndex",
               "SearchResults"),
    "taxonomy": ("AUDIENCES", "TOPICS", "VISIBILITIES"),
    "words": ("compound_candidates", "load_synonyms", "split_compound"),
}
_HOME_OF = {name: module for module, names in _HOMES.items() for name in names}
__all__ = sorted(_HOME_OF)


def __getattr__(name: str):
    """`knowledge.Article` and the like from their module; `knowledge.lint` and the like are the modules."""
    if name in _HOME_OF:
        value = getattr(importlib.import_module(f"{__name__}.{_HOME_OF[name]}"), name)
    elif name in _HOMES or name in ("indexing", "relevance", "scoring"):
        value = importlib.import_module(f"{__name__}.{name}")
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value  # the next lookup is an ordinary one
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
