"""Making search input safe before it reaches the query parser.

Anything typed into the public search box ends up here, so the output only ever contains plain
words, quoted phrases, balanced parentheses and the binary operators AND, OR and ANDNOT: no field,
range, wildcard or fuzzy syntax, whose cost is unbounded.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

MAX_QUERY_CHARS = 200
MAX_TERMS = 12
MAX_WORD_CHARS = 40

_DROPPED_CATEGORIES = {"Cf", "Cs", "Co", "Cn"}
_RANGE = re.compile(r"[\[{][^\[\]{}]*[\]}]")
_FIELD_PREFIX = re.compile(r"\w+:")
# Swedish inflects abbreviations after a colon ("LVU:a", "SoL:s", "BUP:en"): keep the abbreviation
# itself instead of treating it as a field name and losing it.
_ABBREVIATION = re.compile(
    r"(?<![\w:])([^\W\d_]{2,6}):(?:a|s|n|en|et|ar|er|arna|erna|ade|at|as|ens|ets|ns)(?![\w:])", re.IGNORECASE
)
_TOKEN = re.compile(r'"|\(|\)|[^\s"()]+')
_WORD = re.compile(r"\w+(?:[-.'’]\w+)*")
_BINARY = {"AND", "OR", "ANDNOT"}
# Words the parser would treat as operators; they are passed on in lower case.
PARSER_KEYWORDS = {"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE", "REQUIRE"}


@dataclass(frozen=True)
class Item:
    """One lexical item: kind is word, phrase, op, lparen or rparen."""

    kind: str
    words: tuple[str, ...] = ()
    op: str = ""

    @property
    def starts_operand(self) -> bool:
        return self.kind in ("word", "phrase", "lparen")

    @property
    def ends_operand(self) -> bool:
        return self.kind in ("word", "phrase", "rparen")


def clean_text(text: object) -> str:
    if text is None:
        return ""
    if not isinstance(text, str):
        text = str(text)
    # Only removal follows, so a generous cut first keeps huge inputs cheap.
    text = text[: MAX_QUERY_CHARS * 4]
    text = "".join(ch for ch in text if not 0xD800 <= ord(ch) <= 0xDFFF)
    text = unicodedata.normalize("NFC", text)
    out = []
    for ch in text:
        category = unicodedata.category(ch)
        if category in _DROPPED_CATEGORIES:
            continue
        out.append(" " if category in ("Cc", "Zl", "Zp") or ch.isspace() else ch)
    return "".join(out)[:MAX_QUERY_CHARS]


def _words(raw: str) -> list[str]:
    return [word[:MAX_WORD_CHARS] for word in _WORD.findall(raw)]


def lex(text: object) -> list[Item]:
    """Split input into safe items, dropping every construct that is not allowed."""
    text = clean_text(text)
    text = _RANGE.sub(" ", text)
    text = _ABBREVIATION.sub(r"\1", text)
    text = _FIELD_PREFIX.sub(" ", text)
    if text.count('"') % 2:
        head, _, tail = text.rpartition('"')
        text = f"{head} {tail}"

    items: list[Item] = []
    in_phrase = False
    phrase: list[str] = []
    for piece in _TOKEN.findall(text):
        if piece == '"':
            if in_phrase and phrase:
                items.append(Item("phrase", tuple(phrase)) if len(phrase) > 1 else Item("word", (phrase[0],)))
            in_phrase, phrase = not in_phrase, []
        elif in_phrase:
            phrase.extend(_words(piece))
        elif piece == "(":
            items.append(Item("lparen"))
        elif piece == ")":
            items.append(Item("rparen"))
        elif piece in _BINARY or piece == "NOT":
            items.append(Item("op", op=piece))
        else:
            items.extend(Item("word", (word,)) for word in _words(piece))
    return _tidy(_cap_terms(items))


def _cap_terms(items: list[Item]) -> list[Item]:
    capped: list[Item] = []
    count = 0
    for item in items:
        if item.kind in ("word", "phrase"):
            room = MAX_TERMS - count
            if room <= 0:
                break
            words = item.words[:room]
            count += len(words)
            item = Item("phrase", words) if len(words) > 1 else Item("word", words)
        capped.append(item)
    return capped


def _balance(items: list[Item]) -> list[Item]:
    unmatched: set[int] = set()
    stack: list[int] = []
    for index, item in enumerate(items):
        if item.kind == "lparen":
            stack.append(index)
        elif item.kind == "rparen":
            if stack:
                stack.pop()
            else:
                unmatched.add(index)
    unmatched.update(stack)
    return [item for index, item in enumerate(items) if index not in unmatched]


def _operators(items: list[Item]) -> list[Item]:
    out: list[Item] = []
    for index, item in enumerate(items):
        if item.kind != "op":
            out.append(item)
            continue
        following = items[index + 1] if index + 1 < len(items) else None
        if not (out and out[-1].ends_operand and following is not None and following.starts_operand):
            continue
        # A bare NOT inside an OR group would match every other document; only "a NOT b" is kept.
        out.append(Item("op", op="ANDNOT" if item.op == "NOT" else item.op))
    return out


def _empty_groups(items: list[Item]) -> list[Item]:
    out: list[Item] = []
    for item in items:
        if item.kind == "rparen" and out and out[-1].kind == "lparen":
            out.pop()
        else:
            out.append(item)
    return out


def _tidy(items: list[Item]) -> list[Item]:
    items = _balance(items)
    while True:
        tidied = _empty_groups(_operators(items))
        if tidied == items:
            return items
        items = tidied


def render(items: list[Item], replacements: dict[int, str] | None = None) -> str:
    parts: list[str] = []
    for index, item in enumerate(items):
        if replacements and index in replacements:
            parts.append(replacements[index])
        elif item.kind == "word":
            parts.append(item.words[0])
        elif item.kind == "phrase":
            parts.append('"' + " ".join(item.words) + '"')
        elif item.kind == "op":
            parts.append(item.op)
        else:
            parts.append("(" if item.kind == "lparen" else ")")
    text = " ".join(parts)
    return text.replace("( ", "(").replace(" )", ")")


def normalise_query(text: object) -> str:
    """A query string that is safe to parse: see the module docstring."""
    return render(lex(text))


def has_terms(items: list[Item]) -> bool:
    return any(item.kind in ("word", "phrase") for item in items)
