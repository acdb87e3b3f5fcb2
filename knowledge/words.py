"""Swedish word knowledge shared by every search: the synonym groups and compound splitting.

The guidance search (Whoosh, `search.py`) and the application's case search (its own term
table) analyse words differently, so each passes its own `analyse`; the word lists and the rules
for splitting a compound live here once. No Whoosh, no Flask.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from importlib import resources
from pathlib import Path

import yaml

COMPOUND_MIN_CHARS = 8
COMPOUND_PART_MIN_CHARS = 3

Analyse = Callable[[str], tuple[str, ...]]


def load_synonyms(path: str | os.PathLike | None = None) -> list[list[str]]:
    """The synonym groups of `data/synonyms.yaml` (or of the file given), each a list of expressions."""
    if path is None:
        text = resources.files("knowledge").joinpath("data/synonyms.yaml").read_text(encoding="utf-8")
    else:
        text = Path(path).read_text(encoding="utf-8")
    data = yaml.safe_load(text) or {}
    groups = data.get("groups", []) if isinstance(data, dict) else []
    result = []
    for group in groups:
        if not isinstance(group, list) or len(group) < 2 or not all(isinstance(t, str) for t in group):
            raise ValueError(f"ogiltig synonymgrupp: {group!r}")
        result.append(group)
    return result


def compound_candidates(word: str) -> Iterator[tuple[str, str]]:
    """Every (modifier, head) split of a word that split_compound considers, longest head first.

    A caller that must look terms up in bulk (a database) asks for all of them at once."""
    word = word.lower()
    if len(word) < COMPOUND_MIN_CHARS or not word.isalpha():
        return
    low = COMPOUND_PART_MIN_CHARS
    for cut in range(low, len(word) - low + 1):
        modifier, head = word[:cut], word[cut:]
        for candidate in (modifier, modifier[:-1] if modifier.endswith("s") else None):
            if candidate and len(candidate) >= low:
                yield candidate, head


def split_compound(word: str, known: Callable[[str], bool], analyse: Analyse) -> tuple[str, str] | None:
    """Split a Swedish compound ("hedersvåld", "tonårstjej") into two words the index knows.

    Swedish writes compounds as one word, while a text may say the same thing in two
    ("hedersrelaterat våld", "tonårsflicka"). known(term) tells whether an analysed term occurs in
    the index (after stemming, so "heders" counts as "heder"). Only a split into two known parts
    counts, a linking s is dropped when only the word without it is known, and the
    split with the longest head (last part) wins, as the head carries the meaning.
    """
    for modifier, head in compound_candidates(word):
        head_key = analyse(head)
        if len(head_key) != 1 or not known(head_key[0]):
            continue
        key = analyse(modifier)
        if len(key) == 1 and known(key[0]):
            return modifier, head
    return None
