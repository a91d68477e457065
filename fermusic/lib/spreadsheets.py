"""CSV written for people to open in a spreadsheet: a cell that would start a formula
(=, +, -, @, or a tab or carriage return before one) is written with a leading
apostrophe, so Excel, LibreOffice and Google Sheets show it as text instead of running it.
What is stored stays as it was given; only what leaves as CSV is neutralised.
Every CSV export goes through ``csv_writer``."""

from __future__ import annotations

import csv
from collections.abc import Iterable

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralised(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class SpreadsheetSafeWriter:
    """``csv.writer`` whose every text cell is ``neutralised``; numbers stay numbers."""

    def __init__(self, stream, **options):
        self._writer = csv.writer(stream, **options)

    def writerow(self, row: Iterable):
        return self._writer.writerow(
            [
                value if isinstance(value, int | float) and not isinstance(value, bool) else neutralised(value)
                for value in row
            ]
        )

    def writerows(self, rows: Iterable[Iterable]):
        for row in rows:
            self.writerow(row)


def csv_writer(stream, **options) -> SpreadsheetSafeWriter:
    return SpreadsheetSafeWriter(stream, **options)
