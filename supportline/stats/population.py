"""Population per county, for inquiries per 100,000 inhabitants.

Source: SCB (Statistiska centralbyrån), Folkmängd i riket, län och kommuner, 31 december 2023
(table BE0101N1). The figures were entered by hand and must be checked against SCB's table
before a report is published (their sum, 10,543,335, differs slightly from SCB's national
figure of 10,551,707 for that date); replace data/population.csv and POPULATION_YEAR together.
"""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

POPULATION_SOURCE = "SCB, folkmängd per län 31 december 2023"
POPULATION_YEAR = 2023
POPULATION_VERIFIED = False  # see the module docstring


@cache
def population() -> dict[str, int]:
    path = Path(__file__).resolve().parent / "data" / "population.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        return {r["county_code"]: int(r["population"]) for r in csv.DictReader(fh)}


def per_100k(count: int, county_code: str | None) -> float | None:
    """Inquiries per 100,000 inhabitants, or None when the county (or its population) is unknown."""
    people = population().get(county_code or "")
    if not people:
        return None
    return round(count * 100_000 / people, 1)
