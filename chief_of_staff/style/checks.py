"""Checking an answer against a department's house style: one check per rule, and the rules written in words.

How text is read:
- Words and phrases are read as the reward kit reads them (training/reward_kit.py): a word is a whitespace-separated
  token holding a letter or a digit, and phrases (`must_include`, `never_use`) match whole words, ignoring case.
  Word limits also count words joined by '-', '_', '/' or '.' one by one.
- A line's start skips Markdown and quotes (`**Verdict:**` starts with "Verdict:").
- Spelling uses breame's lists of words spelled differently in British and American English: en-GB means no
  American form ("color", "organize"), en-US no British one ("colour", "organise").
- Emoji are found with the `emoji` package's Unicode data.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import emoji as emoji_data
from breame.spelling import AMERICAN_ENGLISH_SPELLINGS, BRITISH_ENGLISH_SPELLINGS

from chief_of_staff.style.rules import HouseStyle
from chief_of_staff.training.reward_kit import has_word, words

LEADING_MARKUP = re.compile(r"^[\s*_#>`\"'“”‘’-]+")
TRAILING_MARKUP = re.compile(r"[\s*_`\"'“”‘’]+$")
LETTERS = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?")
JOINED = re.compile(r"(?<=[A-Za-z0-9])[-_/.]+(?=[A-Za-z0-9])")

Grade = Callable[[HouseStyle, str], float]


def lines(text: str) -> list[str]:
    """Non-empty lines, without leading Markdown or quotes."""
    return [LEADING_MARKUP.sub("", line).strip() for line in text.splitlines() if line.strip()]


def word_count(text: str) -> int:
    """Words as the reward kit reads them, with words joined by '-', '_', '/' or '.' counted one by one: a word
    limit is not kept by writing 'The-Dun-A-Sharp' (a trained adapter's first way round one)."""
    return len(words(JOINED.sub(" ", text)))


def _starts(line: str, phrase: str) -> bool:
    return line.lower().startswith(phrase.lower())


def _sign_off(style: HouseStyle, text: str) -> float:
    """1 when the answer ends with it; half when it is written elsewhere."""
    if TRAILING_MARKUP.sub("", text).lower().endswith(style.sign_off.lower()):
        return 1.0
    return 0.5 if style.sign_off.lower() in text.lower() else 0.0


def _start_with(style: HouseStyle, text: str) -> float:
    """1 when the first line starts with it; half when the first line holds it later."""
    first = (lines(text) or [""])[0]
    if _starts(first, style.start_with):
        return 1.0
    return 0.5 if style.start_with.lower() in first.lower() else 0.0


def _first_line_choice(style: HouseStyle, text: str) -> float:
    """1 when a choice follows `start_with` (or opens the first line, without one); half when the first line
    holds a choice elsewhere."""
    first = (lines(text) or [""])[0]
    if not style.start_with or _starts(first, style.start_with):
        rest = LEADING_MARKUP.sub("", first[len(style.start_with or ""):]).lower()
        if any(re.match(rf"{re.escape(choice.lower())}(?![\w])", rest) for choice in style.first_line_choices):
            return 1.0
    return 0.5 if any(has_word(first, choice) for choice in style.first_line_choices) else 0.0


def _sections_in_order(style: HouseStyle, text: str) -> float:
    """The share of the headings found at a line's start, each after the one before."""
    position, found = 0, lines(text)
    for done, heading in enumerate(style.sections):
        index = next((i for i in range(position, len(found)) if _starts(found[i], heading)), None)
        if index is None:
            return done / len(style.sections)
        position = index + 1
    return 1.0


def _over(count: float, most: float) -> float:
    """1 within the limit, falling to 0 as `count` reaches twice the limit (or the limit plus 2 for counts)."""
    if count <= most:
        return 1.0
    return max(0.0, 1 - (count - most) / max(most, 2))


def _spelling(style: HouseStyle, text: str) -> float:
    other = AMERICAN_ENGLISH_SPELLINGS if style.spelling == "en-GB" else BRITISH_ENGLISH_SPELLINGS
    return 1 / (1 + sum(word.lower() in other for word in LETTERS.findall(text)))


def _share(found: list[bool]) -> float:
    return sum(found) / len(found)


# How far an answer follows each rule, 0..1; it follows the rule only at 1. Training rewards the grade, so a
# sample that comes closer (fewer words over the limit, one more heading, the sign-off written but not last)
# scores better than one that does not: pass/fail rewards give GRPO nothing to climb while no sample passes.
GRADES: dict[str, Grade] = {
    "sign_off": _sign_off,
    "start_with": _start_with,
    "sections": _sections_in_order,
    "first_line_choices": _first_line_choice,
    "max_words": lambda s, t: _over(word_count(t), s.max_words),
    "min_words": lambda s, t: min(1.0, word_count(t) / s.min_words),
    "must_include": lambda s, t: _share([has_word(t, p) for p in s.must_include]),
    "never_use": lambda s, t: _share([not has_word(t, p) for p in s.never_use]),
    "max_exclamations": lambda s, t: _over(t.count("!"), s.max_exclamations),
    "spelling": _spelling,
    "emoji": lambda s, t: float((emoji_data.emoji_count(t) > 0) == s.emoji),
}

IN_WORDS: dict[str, Callable[[HouseStyle], str]] = {
    "sign_off": lambda s: f"End every answer with: {s.sign_off}",
    "start_with": lambda s: f"Start the first line with: {s.start_with}",
    "sections": lambda s: "Use these headings, in this order, each on its own line: " + ", ".join(s.sections),
    "first_line_choices": lambda s: ("After that, the first line says one of: " if s.start_with
                                     else "The first line starts with one of: ") + ", ".join(s.first_line_choices),
    "max_words": lambda s: f"Use at most {s.max_words} words.",
    "min_words": lambda s: f"Use at least {s.min_words} words.",
    "must_include": lambda s: "Always include: " + ", ".join(s.must_include),
    "never_use": lambda s: "Never use: " + ", ".join(s.never_use),
    "max_exclamations": lambda s: _exclamations_in_words(s.max_exclamations),
    "spelling": lambda s: "Use British spelling." if s.spelling == "en-GB" else "Use American spelling.",
    "emoji": lambda s: "Include an emoji." if s.emoji else "Use no emoji.",
}


def _exclamations_in_words(most: int) -> str:
    return f"Use at most {most} exclamation mark{'s' * (most > 1)}." if most else "Use no exclamation marks."


def grades(style: HouseStyle, text: str) -> dict[str, float]:
    """Each set rule: how far `text` follows it, 0..1."""
    return {rule: GRADES[rule](style, text) for rule in style.rules}


def compliance(style: HouseStyle, text: str) -> dict[str, bool]:
    """Each set rule: whether `text` follows it (its grade is 1)."""
    return {rule: grade >= 1.0 for rule, grade in grades(style, text).items()}


def rules_in_words(style: HouseStyle) -> str:
    """The house rules as a prompt states them (the "rules in the prompt" arm), one a line."""
    return "House rules:\n" + "\n".join(f"- {IN_WORDS[rule](style)}" for rule in style.rules)
