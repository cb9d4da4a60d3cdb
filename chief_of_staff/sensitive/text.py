"""Text helpers the sensitive-data checkers share: normalising what the user typed, and "is X near Y" on spans."""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Callable

WINDOW = 100  # characters between a topic word (or a contact item) and the person it is tied to

_SPACES = (0x09, 0xA0, 0x1680, *range(0x2000, 0x200B), 0x202F, 0x205F, 0x3000)  # tab and Unicode space separators
_DASHES = (*range(0x2010, 0x2016), 0x2212, 0xFE58, 0xFE63, 0xFF0D)  # hyphens, en/em dashes, minus signs
_INVISIBLE = (0xAD, 0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF)  # soft hyphen, zero-width characters
_SEPARATORS = {**dict.fromkeys(_SPACES, " "), **dict.fromkeys(_DASHES, "-"), **dict.fromkeys(_INVISIBLE)}


def normalise(text: str) -> str:
    """The text as the patterns expect it: NFKC (full-width digits -> ASCII), every space -> " ", every dash -> "-",
    zero-width characters dropped, so a card split by U+200B or an SSN joined by en-dashes cannot slip through."""
    if text.isascii():
        return text.replace("\t", " ")
    return unicodedata.normalize("NFKC", text).translate(_SEPARATORS)


def spans(pattern: re.Pattern[str], text: str) -> list[tuple[int, int]]:
    return [match.span() for match in pattern.finditer(text)]


def any_near(items: list[tuple[int, int]], others: list[tuple[int, int]], distance: int = WINDOW) -> bool:
    """Whether some span lies within `distance` characters of some other span; bisect keeps long texts linear."""
    if not items or not others:
        return False
    others = sorted(others)
    starts = [start for start, _ in others]
    longest = max(end - start for start, end in others)
    for start, end in items:
        window = others[bisect_left(starts, start - distance - longest) : bisect_right(starts, end + distance)]
        if any(other_end >= start - distance for _, other_end in window):
            return True
    return False


def labelled(text: str, label: re.Pattern[str], value: re.Pattern[str], valid: Callable[[str], bool],
             distance: int = 40) -> bool:
    """A value that passes `valid` within `distance` characters of its label: "SSN 401224567", "passport no. X"."""
    labels = spans(label, text)
    if not labels:  # most texts stop here
        return False
    return any_near([m.span() for m in value.finditer(text) if valid(m.group())], labels, distance)
