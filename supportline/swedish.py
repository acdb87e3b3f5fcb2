"""Numbers and counts in Swedish text: "1 ärende", "2 ärenden", "12 345 ärenden", "71,2 %".
Pages (the `tal` and `antal` filters), charts, exports, flash messages and the command line all
write numbers through `tal`, so they read the same everywhere."""

from __future__ import annotations

# Swedish style separates thousands by a space that never breaks a number over two lines:
# the narrow no-break space (U+202F), and a no-break space before a unit such as "%".
THOUSANDS = "\u202f"
BEFORE_UNIT = "\u00a0"
NONE = "–"


def tal(value, decimals: int | None = None, unit: str = "", grouped: bool = True) -> str:
    """A number as Swedish text: decimal comma, thousands grouped, "–" for no value.

    `decimals` None writes integers as they are and other numbers with one decimal; `unit`
    ("%", "min") follows after a no-break space; `grouped=False` leaves the thousands out (CSV
    cells, which Swedish Excel reads as numbers only without them)."""
    if value is None or isinstance(value, str):
        return NONE if value is None else value
    if decimals is None:
        decimals = 0 if isinstance(value, int) else 1
    text = f"{value:,.{decimals}f}"
    text = text.replace(",", THOUSANDS if grouped else "").replace(".", ",")
    if text.startswith("-"):
        text = "\u2212" + text[1:]  # the minus sign, not a hyphen
    return f"{text}{BEFORE_UNIT}{unit}" if unit else text


def antal(count: int, singular: str, plural: str) -> str:
    """The count with the word in singular or plural."""
    return f"{tal(count)} {singular if count == 1 else plural}"
