"""Small-number suppression for everything that leaves the system (exports, the quarterly report).

The rule, also written into every exported file (RULE_TEXT):

1. A count from 1 to 4 is shown as "<5" (primary suppression). 0 is shown: it identifies no one.
2. In a table whose rows add up to a total (each inquiry or person in exactly one row), a single
   hidden cell could be recovered as total minus the visible rows. So whenever the hidden cells
   of such a table could be worked out from the total, the smallest visible count is hidden
   too, shown as "x" (secondary suppression), and so on until none can be.
   "Worked out" is checked exactly: knowing the total, every "<5" cell is 1–4 and every "x"
   cell is at least 5; if that pins any "<5" cell to one value, one more cell is hidden.
3. If even that cannot protect the cells (the table has too few rows), the total is shown as
   "x" as well.
4. Shares and rates of hidden cells are not shown (they would give the count back).
"""

from __future__ import annotations

from dataclasses import dataclass

SMALL = "<5"
SECONDARY = "x"

RULE_TEXT = (
    "Röjandeskydd: antal från 1 till 4 visas som \"<5\". I tabeller där raderna summerar till totalen döljs "
    "även det minsta synliga antalet (visas som \"x\") när ett dolt antal annars kan räknas fram som totalen "
    "minus övriga rader; räcker inte det döljs även totalen (\"x\"). Andelar och antal per 100 000 invånare "
    "visas inte för dolda celler. Skyddet gäller varje tabell i filen för sig."
)


@dataclass
class Suppressed:
    cells: list[str]  # the counts as shown
    total: str | None
    hidden: list[bool]  # which cells are hidden (their shares and rates must go too)


def _pinned(primary: list[int], secondary: list[int], hidden_sum: int) -> bool:
    """Whether knowing the hidden cells' sum fixes the value of any primary (1–4) cell."""
    if not primary:
        return False
    # The cells are interchangeable in this bound, so checking one primary cell checks them all.
    others_min = (len(primary) - 1) + len(secondary) * 5
    low = 1 if secondary else max(1, hidden_sum - (len(primary) - 1) * 4)
    high = min(4, hidden_sum - others_min)
    return low >= high


def _show(n: int) -> str:
    return SMALL if 1 <= n <= 4 else str(n)


def _recoverable(counts: list[int], hidden: list[bool]) -> bool:
    """Whether the total would give one of the hidden 1–4 cells back."""
    primary = [n for n, h in zip(counts, hidden, strict=True) if h and n <= 4]
    secondary = [n for n, h in zip(counts, hidden, strict=True) if h and n > 4]
    return _pinned(primary, secondary, sum(primary) + sum(secondary))


def _smallest_visible(counts: list[int], hidden: list[bool]) -> int | None:
    """The row to hide next: the smallest visible count (the first of equal ones). A 0 covers nothing."""
    candidates = [(n, i) for i, n in enumerate(counts) if not hidden[i] and n > 0]
    return min(candidates)[1] if candidates else None


def suppress(counts: list[int], total: int | None) -> Suppressed:
    shown = [_show(n) for n in counts]
    hidden = [1 <= n <= 4 for n in counts]
    if total is None:
        return Suppressed(shown, None, hidden)
    total_shown = _show(total)
    while any(hidden) and _recoverable(counts, hidden):
        i = _smallest_visible(counts, hidden)
        if i is None:
            total_shown = SECONDARY if total >= 5 else SMALL
            break
        hidden[i] = True
        shown[i] = SECONDARY
    return Suppressed(shown, total_shown, hidden)
