"""Markdown to safe HTML for article pages.

Raw HTML in articles is shown as text rather than interpreted, and the output is sanitised with
nh3 as well, so a mistake in one layer does not put script on a public page.
"""

from __future__ import annotations

import html
import re
from urllib.parse import urlsplit
from xml.etree import ElementTree

import markdown
import nh3
from markdown.treeprocessors import Treeprocessor

from .article import SITE_PAGE_SLUGS, SLUG_RE
from .contact import tel_href

DEFAULT_LINK_PREFIX = "/kunskap/"
BROKEN_LINK_CLASS = "trasig-lank"
EXTERNAL_LINK_CLASS = "extern-lank"
EXTERNAL_LINK_REL = "noopener noreferrer"

ALLOWED_TAGS = {
    "a", "abbr", "blockquote", "br", "caption", "code", "dd", "del", "div", "dl", "dt", "em",
    "h1", "h2", "h3", "h4", "h5", "h6", "hr", "img", "li", "ol", "p", "pre", "s", "strong",
    "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "class", "rel", "id"},
    "abbr": {"title"},
    "div": {"class"},
    "img": {"src", "alt", "title"},
    "li": {"id"},
    "ol": {"start"},
    "sup": {"id"},
    "td": {"align"},
    "th": {"align"},
    **{f"h{level}": {"id"} for level in range(1, 7)},
}
URL_SCHEMES = {"http", "https", "mailto", "tel"}

# Swedish phone numbers as written in the guidance (010-223 57 60, 020-50 50 50, 114 14, 112,
# 1177); they become tel: links so a reader on a phone can call with one tap.
PHONE_RE = re.compile(r"(?<![\d:.§/-])(0\d{1,3}-\d{2,3}(?: \d{2,3}){1,3}|114 14|112|1177)(?![\d:])")
_NO_PHONE_LINKS = {"a", "code", "pre"}


def _article_slug(href: str, link_prefix: str) -> str | None:
    """The slug an internal article link points to, or None for any other link."""
    if not href.startswith(link_prefix):
        return None
    parts = urlsplit(href)
    if parts.query or parts.scheme or parts.netloc:
        return None
    slug = parts.path[len(link_prefix) :].rstrip("/")
    return slug if SLUG_RE.match(slug) and slug not in SITE_PAGE_SLUGS else None


def _phone_parts(text: str) -> list[str | ElementTree.Element]:
    parts: list[str | ElementTree.Element] = []
    last = 0
    for match in PHONE_RE.finditer(text):
        parts.append(text[last : match.start()])
        link = ElementTree.Element("a", {"href": tel_href(match.group(1))})
        link.text = match.group(1)
        parts.append(link)
        last = match.end()
    parts.append(text[last:])
    return parts


def _link_phones(element: ElementTree.Element) -> None:
    """Turn phone numbers in the text of element and its descendants into tel: links."""
    if element.tag in _NO_PHONE_LINKS:
        return
    children = list(element)
    for child in children:
        _link_phones(child)
    texts = [element.text or ""] + [child.tail or "" for child in children]
    if not any(PHONE_RE.search(text) for text in texts):
        return
    # Rebuild the children: the element's text and each child's tail, split around the numbers.
    for child in children:
        element.remove(child)
    parts = _phone_parts(texts[0])
    for child, tail in zip(children, texts[1:], strict=True):
        child.tail = None
        parts += [child, *_phone_parts(tail)]
    element.text = None
    previous: ElementTree.Element | None = None
    for part in parts:
        if isinstance(part, ElementTree.Element):
            element.append(part)
            previous = part
        elif previous is None:
            element.text = (element.text or "") + part
        else:
            previous.tail = (previous.tail or "") + part


class _LinkProcessor(Treeprocessor):
    def __init__(self, md, link_prefix: str, known_slugs: set[str] | None):
        super().__init__(md)
        self.link_prefix = link_prefix
        self.known_slugs = known_slugs
        self.slugs: set[str] = set()

    def run(self, root: ElementTree.Element) -> None:
        _link_phones(root)
        for element in root.iter("a"):
            href = element.get("href", "")
            slug = _article_slug(href, self.link_prefix)
            classes = element.get("class", "").split()
            if slug is not None:
                self.slugs.add(slug)
                if self.known_slugs is not None and slug not in self.known_slugs:
                    classes.append(BROKEN_LINK_CLASS)
            elif urlsplit(href).scheme.lower() in ("http", "https"):
                classes.append(EXTERNAL_LINK_CLASS)
                element.set("rel", EXTERNAL_LINK_REL)
            if classes:
                element.set("class", " ".join(classes))


def _markdown(link_prefix: str, known_slugs: set[str] | None) -> tuple[markdown.Markdown, _LinkProcessor]:
    md = markdown.Markdown(
        extensions=["tables", "footnotes", "toc", "sane_lists"],
        extension_configs={
            "tables": {"use_align_attribute": True},
            "footnotes": {"BACKLINK_TITLE": "Tillbaka till fotnot %d i texten"},
        },
        output_format="html",
    )
    # Authors write Markdown only; raw HTML becomes visible text instead of markup.
    md.preprocessors.deregister("html_block")
    md.inlinePatterns.deregister("html")
    links = _LinkProcessor(md, link_prefix, known_slugs)
    md.treeprocessors.register(links, "supportline_links", 1)
    return md, links


def sanitise_html(fragment: str) -> str:
    return nh3.clean(
        fragment,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel=None,
        strip_comments=True,
    )


def render_markdown(body: str, known_slugs: set[str] | None = None, link_prefix: str = DEFAULT_LINK_PREFIX) -> str:
    """Render an article body to sanitised HTML.

    With known_slugs, links to articles that do not exist get the class "trasig-lank" so editors
    and readers see them.
    """
    md, _links = _markdown(link_prefix, known_slugs)
    return sanitise_html(md.convert(body))


def internal_links(body: str, link_prefix: str = DEFAULT_LINK_PREFIX) -> set[str]:
    """Slugs of the articles a body links to."""
    md, links = _markdown(link_prefix, None)
    md.convert(body)
    return links.slugs


_BLOCK_END = re.compile(r"</(p|li|h[1-6]|td|th|tr|blockquote|pre|dt|dd)>|<br\s*/?>", re.IGNORECASE)


def plain_text(body: str) -> str:
    """The readable text of a body, without markup, for indexing and search snippets."""
    md, _links = _markdown(DEFAULT_LINK_PREFIX, None)
    rendered = _BLOCK_END.sub(lambda match: match.group(0) + "\n", md.convert(body))
    text = html.unescape(nh3.clean(rendered, tags=set(), attributes={}))
    lines = (" ".join(line.split()) for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


# A fast path for plain text ---------------------------------------------------------------------

# Anything outside the Markdown this fast path knows goes through Python-Markdown: code, HTML,
# entities, escapes, tables, footnotes, images, emphasis with _ or a single *, reference links,
# [TOC], horizontal rules, setext headings, hard line breaks and tabs.
_UNSAFE_CHARS = frozenset("`<>&\\|_~\t")
_UNSAFE_TEXT = ("![", "[^", "]:", "][", "] (", "[TOC]", "  \n", "---", "***", "===", "- -", "* *")
_HEADING = re.compile(r"(#{1,6}) +(.*)")
_BULLET = re.compile(r"[-+*] +(.*)")
_NUMBERED = re.compile(r"\d+\. +(.*)")
_LINK = re.compile(r"\[([^\[\]\n]*)\]\((?:[^()\s]+)(?: +\"[^\"\n]*\")?\)")
_STRONG = re.compile(r"\*\*([^*\n]+?)\*\*")


def _unsafe(body: str) -> bool:
    return not _UNSAFE_CHARS.isdisjoint(body) or any(text in body for text in _UNSAFE_TEXT) or body.endswith("  ")


def fast_plain_text(body: str) -> str | None:
    """plain_text(body) without Python-Markdown, or None when the body needs the real renderer.

    Covers what the articles use: ATX headings, paragraphs, bullet and numbered lists (sane_lists:
    an item of the other kind inside a list is a lazy continuation line, marker and all), **bold**
    and inline links. The result is compared with plain_text in tests/knowledge/test_render.py.
    """
    if _unsafe(body) or ("#" in body and not _headings_only(body)):
        return None
    # Links and bold never span lines here (the patterns exclude newlines), so they are replaced in
    # one go and line i of the result is line i of the body with its inline markup removed. The
    # block structure is read from the original lines (a line may start with bold "1.").
    inline = _STRONG.sub(r"\1", _LINK.sub(r"\1", body))
    if "*" in inline or "](" in inline:
        return None
    lines: list[str] = []
    previous = "blank"  # blank, heading, paragraph or item
    kind = None  # the kind of list being continued: "bullet" or "numbered"
    for raw, plain in zip(body.split("\n"), inline.split("\n"), strict=True):
        if not raw.strip():
            previous = "blank"
            continue
        try:
            text, previous, kind = _block_line(raw, plain, previous, kind)
        except _NeedsRenderer:
            return None
        rendered = " ".join(text.split())
        if rendered:
            lines.append(rendered)
    return "\n".join(lines)


class _NeedsRenderer(Exception):
    """A line the fast path does not cover: the body goes through Python-Markdown."""


def _block_line(raw: str, plain: str, previous: str, kind: str | None) -> tuple[str, str, str | None]:
    """One non-blank line of fast_plain_text: its text without block markup, what kind of line it
    is (heading, paragraph or item) and the kind of list it continues."""
    stripped = raw.lstrip(" ")
    indent = len(raw) - len(stripped)
    if indent >= 4:
        raise _NeedsRenderer
    if stripped.startswith("#"):
        heading = _HEADING.fullmatch(stripped.rstrip())
        if heading is None or indent or previous == "paragraph" or "#" in heading.group(2):
            raise _NeedsRenderer
        return plain.lstrip(" ")[heading.start(2) :], "heading", None
    bullet = _BULLET.fullmatch(stripped)
    match = bullet or _NUMBERED.fullmatch(stripped)
    if match:
        this = "bullet" if bullet else "numbered"
        if previous in ("blank", "heading"):
            if indent:
                raise _NeedsRenderer
            return plain.lstrip(" ")[match.start(1) :], "item", this
        if previous == "item":
            return (plain.lstrip(" ")[match.start(1) :] if this == kind else plain), "item", kind
        raise _NeedsRenderer
    if indent and previous != "item":
        raise _NeedsRenderer
    if previous != "item":
        return plain, "paragraph", None
    return plain, previous, kind


def _headings_only(body: str) -> bool:
    """Whether every # in body is part of a heading marker at the start of a line."""
    for line in body.split("\n"):
        if "#" in line:
            marker = _HEADING.fullmatch(line.rstrip())
            if marker is None or "#" in marker.group(2):
                return False
    return True


def index_text(body: str) -> str:
    """plain_text(body), through the fast path when the body allows it."""
    fast = fast_plain_text(body)
    return plain_text(body) if fast is None else fast
