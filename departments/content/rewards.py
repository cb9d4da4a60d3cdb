"""Rewards for the content department: one short brand-voice line whose stated rules are checked by code.

Each task asks for ONE short piece (social post, headline, SMS, email subject line, tagline); the task field
`rules` repeats the prompt's rules as an object with any of: max_words (int; a word is a whitespace token
holding a letter or digit, so '#BloomFlorist' is one word and '-' none), must_include / must_not_include
(lists of words, case-insensitive whole-word match: 'deal' is not in 'deals'), end_with (compared
case-insensitively after stripping trailing spaces and quotes), start_with (a word, case-insensitive;
leading quotes or '*' are skipped and 'Walk-in' starts with 'Walk'). Only the first non-empty line counts.

reward_rules (primary, held-out metric): fraction of the item's rules satisfied, each key one rule (all of
its words must pass); 0.0 for an empty first line or one with no letter ('**'); None when `rules` is
missing, empty or malformed. reward_format: 1.0 if the completion has exactly one non-empty line that
neither starts nor ends with a quote character, else 0.0.
"""

from __future__ import annotations

import json
import re
from typing import Any

from chief_of_staff.training.reward_kit import completion_text, first_word, has_word, words

QUOTES = "\"'`\u201c\u201d\u2018\u2019\u00ab\u00bb"
KNOWN = ("max_words", "must_include", "must_not_include", "end_with", "start_with")


def _first_line(text: str) -> str:
    """The first non-empty line, stripped, with curly apostrophes made straight."""
    for line in text.replace("\u2019", "'").replace("\u2018", "'").splitlines():
        if line.strip():
            return line.strip()
    return ""


def _word_list(value: Any) -> list[str] | None:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple)) or not all(isinstance(w, str) and w.strip() for w in value):
        return None
    return list(value)


def _parse_rules(raw: Any) -> dict[str, Any] | None:
    """The usable rules, or None. Accepts a dict or a JSON string; None-valued keys (as a Hugging Face
    dataset fills in for keys other rows have) and empty lists count as absent."""
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            return None
    if not isinstance(raw, dict):
        return None
    rules = {k: raw[k] for k in KNOWN if raw.get(k) not in (None, [], "")}
    mw = rules.get("max_words")
    if mw is not None and (isinstance(mw, bool) or not isinstance(mw, int) or mw <= 0):
        return None
    for key in ("must_include", "must_not_include"):
        if key in rules:
            words = _word_list(rules[key])
            if words is None:
                return None
            rules[key] = words
    for key in ("end_with", "start_with"):
        if key in rules and not isinstance(rules[key], str):
            return None
    return rules or None


def _starts_with(line: str, word: str) -> bool:
    head = line.split()[0].lstrip(QUOTES + "*_") if line.split() else ""
    got, want = first_word(head), word.strip().lower()
    return bool(head[:1].isalpha()) and (got == want or got.split("-")[0] == want)


def _rules_score(line: str, rules: dict[str, Any]) -> float:
    passed: list[bool] = []
    if "max_words" in rules:
        passed.append(len(words(line)) <= rules["max_words"])
    if "must_include" in rules:
        passed.append(all(has_word(line, w) for w in rules["must_include"]))
    if "must_not_include" in rules:
        passed.append(not any(has_word(line, w) for w in rules["must_not_include"]))
    if "end_with" in rules:
        passed.append(line.rstrip(" \t" + QUOTES).lower().endswith(rules["end_with"].strip().lower()))
    if "start_with" in rules:
        passed.append(_starts_with(line, rules["start_with"]))
    return sum(passed) / len(passed) if re.search(r"[A-Za-z]", line) else 0.0


def reward_rules(completions: list[Any], rules: list[Any] | None = None, **kwargs: Any) -> list[float | None]:
    """Fraction of the item's brand-voice rules met by the first non-empty line (primary metric)."""
    out: list[float | None] = []
    for i, completion in enumerate(completions):
        parsed = _parse_rules(rules[i]) if rules is not None and i < len(rules) else None
        out.append(None if parsed is None else _rules_score(_first_line(completion_text(completion)), parsed))
    return out


def reward_format(completions: list[Any], **kwargs: Any) -> list[float | None]:
    """1.0 for exactly one non-empty line not wrapped in quotes, else 0.0."""
    out: list[float | None] = []
    for completion in completions:
        lines = [line.strip() for line in completion_text(completion).splitlines() if line.strip()]
        ok = len(lines) == 1 and lines[0][0] not in QUOTES and lines[0][-1] not in QUOTES
        out.append(1.0 if ok else 0.0)
    return out


REWARDS = [reward_rules, reward_format]
