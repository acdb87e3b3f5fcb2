"""CSV for Excel, the one way every export writes it: ';' between cells (Excel with Swedish
settings), CRLF line ends, and no cell that a spreadsheet would run as a formula.

A cell starting with =, +, -, @, a tab or a carriage return is a formula to Excel and
LibreOffice ("=HYPERLINK(...)" in an inquiry's summary would become a live link in the
receiver's spreadsheet; OWASP "CSV injection"). Such text gets a leading apostrophe, which the
spreadsheet shows as text and does not display. Numbers are written as they are. The JSON files
beside a CSV keep the exact text; only the spreadsheet copy is changed.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
DIALECT = {"delimiter": ";", "quoting": csv.QUOTE_MINIMAL, "lineterminator": "\r\n"}


def safe_cell(value):
    """The value as a spreadsheet should get it: None as empty, formula-like text neutralised."""
    if value is None:
        return ""
    if isinstance(value, int | float):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


class ExcelCsvWriter:
    """csv.writer with the dialect above and every cell through safe_cell."""

    def __init__(self, fh):
        self._writer = csv.writer(fh, **DIALECT)

    def writerow(self, row: Iterable) -> None:
        self._writer.writerow([safe_cell(value) for value in row])

    def writerows(self, rows: Iterable[Iterable]) -> None:
        for row in rows:
            self.writerow(row)
