"""Find markup in a rendered page that a browser would act on and that our templates never make."""

from __future__ import annotations

import re
from html.parser import HTMLParser

NEVER = {"iframe", "frame", "frameset", "object", "embed", "applet", "base", "style", "svg", "math", "bgsound",
         "xss", "mglyph", "details", "layer", "ilayer", "xml", "import"}
URL_ATTRS = {"href", "src", "action", "formaction", "background", "dynsrc", "lowsrc", "data", "xlink:href",
             "poster", "content"}
BAD_SCHEME = re.compile(r"^(javascript|vbscript|livescript|data):", re.I)
# Browsers ignore these characters inside a URL scheme, so "jav\tascript:" is still live.
_IGNORED = re.compile(r"[\x00-\x20]")


class _Finder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.counts = {"html": 0, "body": 0, "title": 0}

    def handle_starttag(self, tag, attrs):
        self._check(tag, attrs)

    def handle_startendtag(self, tag, attrs):
        self._check(tag, attrs)

    def _check(self, tag, attrs):
        attrs = [(name.lower(), value or "") for name, value in attrs]
        named = dict(attrs)
        if tag in self.counts:
            self.counts[tag] += 1
            if self.counts[tag] > 1:
                self.problems.append(f"a second <{tag}>")
        if tag in NEVER:
            self.problems.append(f"<{tag}>")
        if tag == "script" and not (named.get("src", "").startswith("/") and not named["src"].startswith("//")):
            self.problems.append(f"<script {named}>")
        if tag == "meta" and "http-equiv" in named:
            self.problems.append("<meta http-equiv>")
        if tag == "link" and not (named.get("href", "").startswith("/") and not named["href"].startswith("//")):
            self.problems.append(f"<link {named}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=...>")
            if name == "style":
                self.problems.append(f"<{tag} style=...>")  # the CSP forbids them; our templates have none
            if name in URL_ATTRS:
                cleaned = _IGNORED.sub("", value)
                if BAD_SCHEME.match(cleaned) and not (tag == "img" and cleaned.startswith("data:image/svg+xml")
                                                       and "qr-code" in named.get("class", "")):
                    self.problems.append(f"<{tag} {name}={value[:40]!r}>")


def live_markup(html: str) -> list[str]:
    finder = _Finder()
    finder.feed(html)
    finder.close()
    return finder.problems
