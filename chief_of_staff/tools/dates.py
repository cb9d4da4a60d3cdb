"""Dates a task states, and date arithmetic, on the standard library (no parsing library, no guessing of
ambiguous day/month order beyond the US "M/D/YYYY" form small businesses here write).
"""

from __future__ import annotations

import re
from datetime import date, datetime

MONTHS = {m: i + 1 for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"])}
_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_US = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b")
_WORDS = re.compile(r"\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.? (\d{1,2})(?:st|nd|rd|th)?,? "
                    r"(\d{4})\b", re.IGNORECASE)
_DAY_FIRST = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)? (jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?,? "
                        r"(\d{4})\b", re.IGNORECASE)


def dates_in(text: str) -> list[date]:
    """Every valid date `text` writes as 2026-03-01, 3/1/2026, March 1, 2026 or 1 March 2026, in text order."""
    found: list[tuple[int, date]] = []
    for pattern, order in ((_ISO, "ymd"), (_US, "mdy"), (_WORDS, "Mdy"), (_DAY_FIRST, "dMy")):
        for match in pattern.finditer(text):
            parts = dict(zip(order, match.groups()))
            month = MONTHS[parts["M"][:3].lower()] if "M" in parts else int(parts["m"])
            try:
                found.append((match.start(), date(int(parts["y"]), month, int(parts["d"]))))
            except ValueError:
                continue  # 2026-02-30 is not a date
    return [d for _, d in sorted(found, key=lambda item: item[0])]


def days_between(start: date, end: date) -> int:
    """Calendar days from `start` to `end` (negative when `end` is earlier)."""
    return (end - start).days


def today() -> date:
    """The machine's local date."""
    return datetime.now().astimezone().date()
