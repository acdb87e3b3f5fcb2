"""Articles as Markdown files with YAML front matter: parsing, validation and canonical writing.

Files are edited by hand and by the editor in the app, so every error names the file and, where
possible, the line, in Swedish, for the editors who read it.
"""

from __future__ import annotations

import datetime
import os
import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .taxonomy import AUDIENCES, TOPICS, VISIBILITIES

SLUG_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
SLUG_MAX_LENGTH = 100
# Pages of the public site under /kunskap/ that are not articles: no article may take their
# slug, and a link to them in an article is a link to the site, not to a missing article.
SITE_PAGE_SLUGS = frozenset({"sok", "resurscentrum"})
FRONT_MATTER_DELIMITER = "---"

# The order of keys in a written file; it is also the set of keys a file may contain.
_KEYS = (
    "slug",
    "title",
    "summary",
    "topics",
    "audiences",
    "visibility",
    "sources",
    "in_force_since",
    "reviewed_on",
    "reviewed_by",
    "review_note",
)
_SOURCE_KEYS = ("publisher", "title", "year", "url", "kind")
# What a source is when it is not a page on the web: a printed book has no url.
SOURCE_KINDS = {"bok": "tryckt bok"}


@dataclass
class Source:
    publisher: str
    title: str
    year: int | None = None
    url: str | None = None
    kind: str | None = None


@dataclass
class Article:
    slug: str
    title: str
    summary: str
    body: str
    topics: list[str] = field(default_factory=list)
    audiences: list[str] = field(default_factory=list)
    visibility: str = "public"
    sources: list[Source] = field(default_factory=list)
    reviewed_on: datetime.date | None = None
    reviewed_by: str | None = None
    # What the last review checked, against which sources, and what is left to verify.
    review_note: str | None = None
    # The date from which the rules the article describes apply; no source may be older.
    in_force_since: datetime.date | None = None


class ArticleError(ValueError):
    """An article that cannot be read or would not be readable once written."""

    def __init__(self, filename: str | None, line: int | None, message: str):
        self.filename = filename
        self.line = line
        self.message = message
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.filename or "<artikel>"
        if self.line is not None:
            where = f"{where}:{self.line}"
        return f"{where}: {self.message}"


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """Safe loader whose impossible dates (2024-02-30) become errors with a line number. On
    libyaml's parser when PyYAML has it (its wheels do): the same documents, nodes and marks,
    a tenth of the time of the pure-Python parser, which every import and test pays per article."""

    def construct_yaml_timestamp(self, node):
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError as exc:
            raise yaml.constructor.ConstructorError(
                None, None, f"ogiltigt datum {node.value!r} ({exc})", node.start_mark
            ) from exc


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_yaml_timestamp)


class _Dumper(yaml.SafeDumper):
    pass


def _represent_list(dumper: yaml.SafeDumper, data: list):
    # Code lists stay on one line (`topics: [a, b]`); lists of sources are blocks.
    flow = all(not isinstance(item, dict | list) for item in data)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)


def _represent_dict(dumper: yaml.SafeDumper, data: dict):
    return dumper.represent_mapping("tag:yaml.org,2002:map", data.items(), flow_style=False)


_Dumper.add_representer(list, _represent_list)
_Dumper.add_representer(dict, _represent_dict)


class _Lines:
    """Line numbers (1-based, in the whole file) of front matter keys and list items."""

    def __init__(self, node: yaml.Node | None, offset: int):
        self.offset = offset
        self.root = node

    def _line(self, node: yaml.Node) -> int:
        return node.start_mark.line + 1 + self.offset

    def of(self, *path: str | int) -> int | None:
        node = self.root
        line = self._line(node) if node is not None else None
        for step in path:
            if isinstance(node, yaml.MappingNode):
                found = None
                for key, value in node.value:
                    if isinstance(key, yaml.ScalarNode) and key.value == step:
                        found = (key, value)
                if found is None:
                    return line
                line = self._line(found[0])
                node = found[1]
            elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and step < len(node.value):
                node = node.value[step]
                line = self._line(node)
            else:
                return line
        return line


def _split(text: str, filename: str | None) -> tuple[str, str, int]:
    """Return (front matter, body, line number of the first body line)."""
    lines = text.split("\n")
    if not lines or lines[0].rstrip() != FRONT_MATTER_DELIMITER:
        raise ArticleError(filename, 1, "filen måste börja med '---' följt av metadata (YAML)")
    for index in range(1, len(lines)):
        if lines[index].rstrip() == FRONT_MATTER_DELIMITER:
            front = "\n".join(lines[1:index]) + "\n"
            body = "\n".join(lines[index + 1 :])
            return front, body, index + 2
    raise ArticleError(filename, len(lines), "metadata saknar avslutande '---'")


def _text(value, name: str, filename, line, *, required: bool = True) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ArticleError(filename, line, f"{name} saknas")
        return None
    if not isinstance(value, str):
        raise ArticleError(filename, line, f"{name} måste vara text (sätt citattecken runt värdet)")
    # Titles and summaries are shown on one line; folded YAML may have spread them over several.
    return " ".join(value.split())


def _codes(value, name: str, allowed: dict[str, str], filename, lines: _Lines) -> list[str]:
    line = lines.of(name)
    if value is None:
        return []
    if isinstance(value, str):
        value = [part.strip() for part in value.split(",") if part.strip()]
    if not isinstance(value, list):
        raise ArticleError(filename, line, f"{name} måste vara en lista med koder")
    codes: list[str] = []
    for code in value:
        if not isinstance(code, str) or code not in allowed:
            raise ArticleError(filename, line, f"okänd kod {code!r} i {name}; tillåtna: {', '.join(sorted(allowed))}")
        if code not in codes:
            codes.append(code)
    return codes


def _sources(value, filename, lines: _Lines) -> list[Source]:
    if not value:
        raise ArticleError(filename, lines.of("sources"), "minst en källa krävs")
    if not isinstance(value, list):
        raise ArticleError(filename, lines.of("sources"), "sources måste vara en lista")
    sources = []
    for index, item in enumerate(value):
        line = lines.of("sources", index)
        if not isinstance(item, dict):
            raise ArticleError(filename, line, "varje källa måste ha publisher och title")
        unknown = sorted(str(key) for key in item if key not in _SOURCE_KEYS)
        if unknown:
            raise ArticleError(filename, line, f"okänt fält i källa: {', '.join(unknown)}")
        publisher = _text(item.get("publisher"), "källans publisher", filename, line)
        title = _text(item.get("title"), "källans title", filename, line)
        year = item.get("year")
        if year is not None and (isinstance(year, bool) or not isinstance(year, int) or not 1800 <= year <= 2200):
            raise ArticleError(filename, lines.of("sources", index, "year"), f"ogiltigt årtal: {year!r}")
        url = item.get("url")
        if url is not None and (not isinstance(url, str) or not re.match(r"^https?://\S+$", url)):
            raise ArticleError(
                filename,
                lines.of("sources", index, "url"),
                f"url måste börja med http:// eller https://: {url!r}",
            )
        kind = item.get("kind")
        if kind is not None and kind not in SOURCE_KINDS:
            raise ArticleError(
                filename,
                lines.of("sources", index, "kind"),
                f"okänd kind {kind!r} i källa; tillåtna: {', '.join(sorted(SOURCE_KINDS))}",
            )
        sources.append(Source(publisher=publisher, title=title, year=year, url=url, kind=kind))
    return sources


def _build(data: dict, body: str, filename: str | None, lines: _Lines, body_line: int | None) -> Article:
    unknown = [key for key in data if key not in _KEYS]
    if unknown:
        raise ArticleError(filename, lines.of(str(unknown[0])), f"okänt fält: {unknown[0]}")

    slug = data.get("slug")
    if not isinstance(slug, str) or not SLUG_RE.match(slug) or len(slug) > SLUG_MAX_LENGTH:
        raise ArticleError(
            filename,
            lines.of("slug"),
            f"ogiltig slug {slug!r}: endast a–z, 0–9 och enkla bindestreck (t.ex. vem-ska-anmala)",
        )
    if slug in SITE_PAGE_SLUGS:
        raise ArticleError(
            filename, lines.of("slug"), f"sluggen {slug!r} är upptagen av en sida på webbplatsen; välj en annan"
        )
    title = _text(data.get("title"), "title", filename, lines.of("title"))
    summary = _text(data.get("summary"), "summary", filename, lines.of("summary"))
    if not body.strip():
        raise ArticleError(filename, body_line, "artikeltexten är tom")

    visibility = data.get("visibility", "public")
    if visibility not in VISIBILITIES:
        raise ArticleError(
            filename,
            lines.of("visibility"),
            f"visibility måste vara public eller internal, inte {visibility!r}",
        )

    reviewed_on = data.get("reviewed_on")
    if isinstance(reviewed_on, datetime.datetime) or not isinstance(reviewed_on, datetime.date):
        raise ArticleError(filename, lines.of("reviewed_on"), "reviewed_on måste vara ett datum på formen ÅÅÅÅ-MM-DD")
    reviewed_by = _text(data.get("reviewed_by"), "reviewed_by", filename, lines.of("reviewed_by"), required=False)
    review_note = _text(data.get("review_note"), "review_note", filename, lines.of("review_note"), required=False)
    in_force_since = data.get("in_force_since")
    if in_force_since is not None and (
        isinstance(in_force_since, datetime.datetime) or not isinstance(in_force_since, datetime.date)
    ):
        raise ArticleError(
            filename, lines.of("in_force_since"), "in_force_since måste vara ett datum på formen ÅÅÅÅ-MM-DD"
        )

    return Article(
        slug=slug,
        title=title,
        summary=summary,
        body=body,
        topics=_codes(data.get("topics"), "topics", TOPICS, filename, lines),
        audiences=_codes(data.get("audiences"), "audiences", AUDIENCES, filename, lines),
        visibility=visibility,
        sources=_sources(data.get("sources"), filename, lines),
        reviewed_on=reviewed_on,
        reviewed_by=reviewed_by,
        review_note=review_note,
        in_force_since=in_force_since,
    )


def _clean_body(body: str) -> str:
    return body.strip("\n").rstrip()


def parse_article(text: str, filename: str | None = None) -> Article:
    """Parse and validate one article; raise ArticleError with file and line on any problem."""
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    front, body, body_line = _split(text, filename)
    try:
        node = yaml.compose(front, Loader=_Loader)
        data = yaml.load(front, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader  # nosec B506
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 2 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise ArticleError(filename, line, f"felaktig YAML i metadata: {problem}") from exc
    lines = _Lines(node, offset=1)
    if not isinstance(data, dict):
        raise ArticleError(filename, 2, "metadata måste bestå av fält på formen 'namn: värde'")
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key, _value in node.value:
            if key.value in seen:
                raise ArticleError(filename, key.start_mark.line + 2, f"fältet {key.value} förekommer två gånger")
            seen.add(key.value)
    return _build(data, _clean_body(body), filename, lines, body_line)


def validate_article(article: Article, filename: str | None = None) -> None:
    """Raise ArticleError if the article, once written, would not parse."""
    parse_article(_dump_unchecked(article), filename or f"{article.slug}.md")


def _dump_unchecked(article: Article) -> str:
    data: dict = {
        "slug": article.slug,
        "title": article.title,
        "summary": article.summary,
        "topics": list(article.topics),
        "audiences": list(article.audiences),
        "visibility": article.visibility,
        "sources": [
            {key: value for key, value in vars(source).items() if value is not None} for source in article.sources
        ],
    }
    if article.in_force_since:
        data["in_force_since"] = article.in_force_since
    data["reviewed_on"] = article.reviewed_on
    if article.reviewed_by:
        data["reviewed_by"] = article.reviewed_by
    if article.review_note:
        data["review_note"] = article.review_note
    front = yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=10**6)
    return f"{FRONT_MATTER_DELIMITER}\n{front}{FRONT_MATTER_DELIMITER}\n{_clean_body(article.body)}\n"


def dump_article(article: Article) -> str:
    """The canonical text of an article; parse_article(dump_article(a)) gives back an equal article."""
    text = _dump_unchecked(article)
    parse_article(text, f"{article.slug}.md")
    return text


def read_article(path: str | os.PathLike) -> Article:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ArticleError(path.name, None, "filen är inte kodad i UTF-8") from exc
    return parse_article(text, path.name)


def _key_line(path: Path, key: str) -> int | None:
    for number, line in enumerate(path.read_text(encoding="utf-8").split("\n"), start=1):
        if line.startswith(f"{key}:"):
            return number
    return None


def load_directory(directory: str | os.PathLike) -> list[Article]:
    """All *.md articles in a directory, sorted by file name; duplicate slugs or titles are errors."""
    articles: list[Article] = []
    by_slug: dict[str, str] = {}
    by_title: dict[str, str] = {}
    for path in sorted(Path(directory).glob("*.md")):
        article = read_article(path)
        if article.slug in by_slug:
            raise ArticleError(
                path.name,
                _key_line(path, "slug"),
                f"sluggen {article.slug!r} används redan i {by_slug[article.slug]}",
            )
        title_key = article.title.casefold()
        if title_key in by_title:
            raise ArticleError(
                path.name,
                _key_line(path, "title"),
                f"titeln {article.title!r} används redan i {by_title[title_key]}",
            )
        by_slug[article.slug] = path.name
        by_title[title_key] = path.name
        articles.append(article)
    return articles


def write_directory(articles: Iterable[Article], directory: str | os.PathLike) -> list[Path]:
    """Write each article to <slug>.md; every file is written whole or not at all."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    texts = [(article.slug, dump_article(article)) for article in articles]
    slugs = [slug for slug, _ in texts]
    if len(set(slugs)) != len(slugs):
        duplicate = next(slug for slug in slugs if slugs.count(slug) > 1)
        raise ArticleError(f"{duplicate}.md", None, f"sluggen {duplicate!r} förekommer flera gånger")
    written = []
    for slug, text in texts:
        target = directory / f"{slug}.md"
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{slug}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
                handle.write(text)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        written.append(target)
    return written
