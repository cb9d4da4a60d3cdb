"""The numbers a task states, in text order, as exact Decimals: the only values a local tool call may use.

"$1,437.50" -> 1437.50, "8.25%" -> 8.25 (a percentage), "$5k" -> 5000, "two years" -> 2 (unit "year"). Dates
are left to the date tools (tools/dates.py), and digits inside them are not read as amounts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

WORD_NUMBERS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30, "fifty": 50, "hundred": 100,
}
SCALES = {"k": Decimal(1000), "thousand": Decimal(1000), "m": Decimal(1_000_000), "million": Decimal(1_000_000)}

_DATE = re.compile(
    r"\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}/\d{1,2}/\d{2,4}\b"
    r"|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.? \d{1,2}(?:st|nd|rd|th)?(?:,? \d{4})?\b",
    re.IGNORECASE,
)
_NUMBER = re.compile(
    r"(?<![\w.])(?P<sign>-)?(?P<currency>[$£€])?(?P<digits>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)"
    r"(?:\s?(?P<scale>k|m|thousand|million)\b)?(?P<percent>\s?(?:%|percent\b|per cent\b))?"
    r"(?P<unit>\s(?:dollars?|euros?|pounds?|usd|eur|gbp)\b)?",
    re.IGNORECASE,
)
_UNIT = re.compile(r"[\s-]*(year|month|week|day|hour)s?\b", re.IGNORECASE)  # right after a number
_WORD = re.compile(r"\b(" + "|".join(WORD_NUMBERS) + r")\b(?P<percent>\s?(?:%|percent\b))?", re.IGNORECASE)


@dataclass(frozen=True)
class Quantity:
    """One number of the task: its value, whether it was written as a percentage, and where it starts."""

    value: Decimal
    percent: bool
    start: int
    text: str
    money: bool = False  # written with a currency sign or unit ($12, 12 euros)
    unit: str = ""  # the time unit written after it: year, month, week, day or hour ("6 months" -> "month")


def unit_after(text: str, end: int) -> str:
    """The time unit written right after position `end` ("6 months", "a 3-year loan"), or ""."""
    match = _UNIT.match(text, end)
    return match.group(1).lower() if match else ""


def quantities_in(text: str) -> list[Quantity]:
    """Every number `text` states, in the order it states them (dates excluded)."""
    dates = [m.span() for m in _DATE.finditer(text)]
    found: list[Quantity] = []
    for match in _NUMBER.finditer(text):
        if any(a <= match.start() < b for a, b in dates):
            continue
        value = Decimal(match["digits"].replace(",", ""))
        if match["scale"]:
            value *= SCALES[match["scale"].lower()]
        if match["sign"]:
            value = -value
        found.append(Quantity(value, bool(match["percent"]), match.start(), match.group(0).strip(),
                              bool(match["currency"] or match["unit"]), unit_after(text, match.end())))
    for match in _WORD.finditer(text):
        if match.group(1).lower() == "one" and not match["percent"]:
            continue  # "one" is nearly always an article ("one customer"), rarely an operand
        found.append(Quantity(Decimal(WORD_NUMBERS[match.group(1).lower()]), bool(match["percent"]), match.start(),
                              match.group(0), unit=unit_after(text, match.end())))
    return sorted(found, key=lambda q: q.start)
