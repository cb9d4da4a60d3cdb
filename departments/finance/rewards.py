"""Rewards for the finance department's task set (`tasks.jsonl`).

Each task has an `answer` field of one of two kinds:

- a number (business arithmetic: markup and margin, VAT/sales tax, discounts, break-even units, interest,
  late fees, invoice totals...). The prompt ends with "Answer with the number only."
- a string, one of the eight expense categories below (categorising one expense line). The prompt ends with
  "Answer with one word: travel, software, office, meals, utilities, rent, marketing or payroll."

`reward_exact` (primary, held-out metric): for a numeric answer, 1.0 if the first number in the completion
matches it to the cent (`numbers_match`, so "$1,234.50" scores against 1234.5), else 0.0; for a category,
1.0 if the completion's first word is that category, else 0.0. None when the answer is missing or of
another type.

`reward_format` (small shaping reward): for a numeric answer, 1.0 if the completion starts, after optional
spaces and a currency sign ($, £ or €), with a number; for a category, 1.0 if the first word is one of the
eight categories (right or wrong). None when the answer is missing or of another type.
"""

from __future__ import annotations

import re
from typing import Any

from chief_of_staff.training.reward_kit import completion_text, first_number, first_word, numbers_match

CATEGORIES = ("travel", "software", "office", "meals", "utilities", "rent", "marketing", "payroll")
STARTS_WITH_NUMBER = re.compile(r"^\s*[$£€]?\s*-?[$£€]?\s*(\d|\.\d)")


def _answer_kind(answer: Any) -> str | None:
    """'number', 'category' or None (missing / malformed answer)."""
    if isinstance(answer, bool):
        return None
    if isinstance(answer, (int, float)):
        return "number"
    if isinstance(answer, str) and answer.strip().lower() in CATEGORIES:
        return "category"
    return None


def _answers(n: int, kwargs: dict[str, Any]) -> list[Any]:
    answers = kwargs.get("answer")
    if not isinstance(answers, (list, tuple)) or len(answers) != n:
        return [None] * n
    return list(answers)


def reward_exact(completions: list[Any], **kwargs: Any) -> list[float | None]:
    """1.0 for the right number (to the cent) or the right category word, else 0.0; None if unscorable."""
    scores: list[float | None] = []
    for completion, answer in zip(completions, _answers(len(completions), kwargs)):
        kind = _answer_kind(answer)
        text = completion_text(completion)
        if kind == "number":
            scores.append(1.0 if numbers_match(first_number(text), float(answer)) else 0.0)
        elif kind == "category":
            scores.append(1.0 if first_word(text) == answer.strip().lower() else 0.0)
        else:
            scores.append(None)
    return scores


def reward_format(completions: list[Any], **kwargs: Any) -> list[float | None]:
    """1.0 if the completion has the requested shape (leading number / one of the eight categories)."""
    scores: list[float | None] = []
    for completion, answer in zip(completions, _answers(len(completions), kwargs)):
        kind = _answer_kind(answer)
        text = completion_text(completion)
        if kind == "number":
            scores.append(1.0 if STARTS_WITH_NUMBER.match(text) else 0.0)
        elif kind == "category":
            scores.append(1.0 if first_word(text) in CATEGORIES else 0.0)
        else:
            scores.append(None)
    return scores


REWARDS = [reward_exact, reward_format]
