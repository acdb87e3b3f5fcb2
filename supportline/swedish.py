"""Counts in Swedish text: "1 ärende", "2 ärenden", "1 000 ärenden". Pages (the `antal` filter),
flash messages and the command line all say it the same way."""

from __future__ import annotations


def antal(count: int, singular: str, plural: str) -> str:
    """The count with the word in singular or plural; thousands separated by a space."""
    number = f"{count:,}".replace(",", " ")
    return f"{number} {singular if count == 1 else plural}"

