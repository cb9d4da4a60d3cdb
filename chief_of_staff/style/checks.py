"""Checking an answer against a department's house style: one check per rule, and the rules written in words.

How text is read:
- Words and phrases are read as the reward kit reads them (training/reward_kit.py): a word is a whitespace-separated
  token holding a letter or a digit, and phrases (`must_include`, `never_use`) match whole words, ignoring case.
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

Check = Callable[[HouseStyle, str], bool]


def lines(text: str) -> list[str]:
    """Non-empty lines, without leading Markdown or quotes."""
    return [LEADING_MARKUP.sub("", line).strip() for line in text.splitlines() if line.strip()]


def _starts(line: str, phrase: str) -> bool:
    return line.lower().startswith(phrase.lower())


def _first_line_choice(style: HouseStyle, text: str) -> bool:
    first = (lines(text) or [""])[0]
    rest = first[len(style.start_with):] if style.start_with and _starts(first, style.start_with) else first
    if style.start_with and rest is first:
        return False  # the first line does not start as it must, so no choice follows it
    rest = LEADING_MARKUP.sub("", rest).lower()
    return any(re.match(rf"{re.escape(choice.lower())}(?![\w])", rest) for choice in style.first_line_choices)


def _sections_in_order(style: HouseStyle, text: str) -> bool:
    position = 0
    found = lines(text)
    for heading in style.sections:
        index = next((i for i in range(position, len(found)) if _starts(found[i], heading)), None)
        if index is None:
            return False
        position = index + 1
    return True


def _spelling(style: HouseStyle, text: str) -> bool:
    other = AMERICAN_ENGLISH_SPELLINGS if style.spelling == "en-GB" else BRITISH_ENGLISH_SPELLINGS
    return not any(word.lower() in other for word in LETTERS.findall(text))


CHECKS: dict[str, Check] = {
    "sign_off": lambda s, t: TRAILING_MARKUP.sub("", t).lower().endswith(s.sign_off.lower()),
    "start_with": lambda s, t: _starts((lines(t) or [""])[0], s.start_with),
    "sections": _sections_in_order,
    "first_line_choices": _first_line_choice,
    "max_words": lambda s, t: len(words(t)) <= s.max_words,
    "min_words": lambda s, t: len(words(t)) >= s.min_words,
    "must_include": lambda s, t: all(has_word(t, p) for p in s.must_include),
    "never_use": lambda s, t: not any(has_word(t, p) for p in s.never_use),
    "max_exclamations": lambda s, t: t.count("!") <= s.max_exclamations,
    "spelling": _spelling,
    "emoji": lambda s, t: (emoji_data.emoji_count(t) > 0) == s.emoji,
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


def compliance(style: HouseStyle, text: str) -> dict[str, bool]:
    """Each set rule: whether `text` follows it."""
    return {rule: CHECKS[rule](style, text) for rule in style.rules}


def rules_in_words(style: HouseStyle) -> str:
    """The house rules as a prompt states them (the "rules in the prompt" arm), one a line."""
    return "House rules:\n" + "\n".join(f"- {IN_WORDS[rule](style)}" for rule in style.rules)
