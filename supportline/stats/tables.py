"""The shape every figure takes: a table of rows with counts (and the total they add up to),
shown on the page, charted, exported, suppressed and frozen in a snapshot alike."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Row:
    code: str
    label: str
    count: int
    rate: float | None = None  # per 100,000 inhabitants (county table)
    extra: str = ""  # e.g. the county's resource-centre status


@dataclass
class Table:
    key: str
    title: str
    rows: list[Row]
    # The number the rows add up to when each inquiry (or person) is in exactly one row;
    # None for multi-valued codes (an inquiry can have several topics). Suppression needs it.
    total: int | None = None
    unit: str = "Ärenden"
    note: str = ""
    has_rate: bool = False
    extra_header: str = ""

    @property
    def max_count(self) -> int:
        return max((r.count for r in self.rows), default=0)
