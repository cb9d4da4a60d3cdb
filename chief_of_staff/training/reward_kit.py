"""Small, tested building blocks for department reward functions (`departments/*/rewards.py`).

A reward function has TRL's shape: `(completions, **kwargs) -> list[float | None]`, where `completions` holds
plain strings or, for chat prompts, lists of messages, and kwargs hold the task set's other columns (one value
per completion). None means "could not score this sample".
"""

from __future__ import annotations

import re
from typing import Any

NUMBER = re.compile(r"-?\d[\d,]*\.?\d*|-?\.\d+")
HAS_ALNUM = re.compile(r"[A-Za-z0-9]")


def completion_text(completion: Any) -> str:
    """The text of one completion, whether a string or a list of chat messages."""
    if isinstance(completion, str):
        return completion
    if isinstance(completion, list) and completion:
        last = completion[-1]
        return str(last.get("content", "")) if isinstance(last, dict) else str(last)
    if isinstance(completion, dict):
        return str(completion.get("content", ""))
    return ""


def words(text: str) -> list[str]:
    """Whitespace-separated tokens holding a letter or a digit: '#BloomFlorist' is one word, '-' none."""
    return [token for token in text.split() if HAS_ALNUM.search(token)]


def has_word(text: str, phrase: str) -> bool:
    """Whether `phrase` appears as whole words, ignoring case: 'deal' is not in 'deals'. Only a letter or digit
    at the phrase's edge needs a word boundary there: '$' is in '$85', '=' in 'x=2'."""
    phrase = phrase.strip()
    before = r"(?<![A-Za-z0-9])" if phrase[:1].isalnum() else ""
    after = r"(?![A-Za-z0-9])" if phrase[-1:].isalnum() else ""
    return re.search(before + re.escape(phrase) + after, text, re.IGNORECASE) is not None


def first_word(text: str) -> str:
    """The first word, lower-cased, without surrounding punctuation or Markdown ('**Phishing.**' -> 'phishing')."""
    match = re.search(r"[A-Za-z][A-Za-z'-]*", text)
    return match.group(0).lower() if match else ""


def first_label(text: str, labels: tuple[str, ...]) -> str:
    """The first of `labels` the text mentions, as a whole word ('This is a phishing scam' -> 'phishing')."""
    for word in re.findall(r"[a-z][a-z'-]*", text.lower()):
        if word in labels:
            return word
    return ""


def first_number(text: str) -> float | None:
    """The first number in the text ('$1,234.50' -> 1234.5, '15%' -> 15.0), or None."""
    match = NUMBER.search(text.replace("$", "").replace("€", "").replace("£", ""))
    if not match:
        return None
    try:
        return float(match.group(0).replace(",", ""))
    except ValueError:
        return None


def numbers_match(got: float | None, expected: float, tolerance: float = 0.005) -> bool:
    """Equal to the cent: answers are exact, so only rounding noise below half a cent is forgiven."""
    if got is None:
        return False
    return abs(got - expected) <= tolerance
