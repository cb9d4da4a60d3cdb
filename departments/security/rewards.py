"""Rewards for the security department's phishing / fraud triage tasks (tasks.jsonl).

Each prompt shows one message a small business received (email, SMS, WhatsApp, phone-call summary,
invoice note, login alert) and asks for one word: PHISHING, FRAUD or SAFE. The task field `label`
holds the expected class in lower case ("phishing", "fraud" or "safe").

- reward_label (primary, the held-out metric): 1.0 when the first of the three labels the completion
  mentions (as a whole word, any case, so "**Phishing.**" and "This is a phishing email" count) is the
  task's label, else 0.0. None when the sample's label is missing or not one of the three classes.
- reward_format (small shaping reward): 1.0 when the first word is one of the three allowed labels,
  whatever the task's label, else 0.0.
"""

from __future__ import annotations

from typing import Any

from chief_of_staff.training.reward_kit import completion_text, first_label, first_word

LABELS = ("phishing", "fraud", "safe")


def _field(kwargs: dict[str, Any], name: str, index: int) -> Any:
    """The task field `name` for sample `index`, or None when absent."""
    values = kwargs.get(name)
    if not isinstance(values, (list, tuple)) or index >= len(values):
        return None
    return values[index]


def _normalise_label(value: Any) -> str | None:
    """The expected label in lower case, or None when it is not a valid class."""
    if not isinstance(value, str):
        return None
    label = value.strip().lower()
    return label if label in LABELS else None


def _answer(completion: Any) -> str:
    """The first word of a completion, never raising on odd input."""
    try:
        return first_word(completion_text(completion))
    except Exception:  # noqa: BLE001 - odd model output must never break training
        return ""


def _committed_label(completion: Any) -> str:
    """The first label the completion mentions, never raising on odd input."""
    try:
        return first_label(completion_text(completion), LABELS)
    except Exception:  # noqa: BLE001 - odd model output must never break training
        return ""


def reward_label(completions: list[Any], **kwargs: Any) -> list[float | None]:
    """1.0 if the first label the answer mentions is the task's label, 0.0 otherwise, None if unscorable."""
    rewards: list[float | None] = []
    for index, completion in enumerate(completions):
        expected = _normalise_label(_field(kwargs, "label", index))
        if expected is None:
            rewards.append(None)
            continue
        rewards.append(1.0 if _committed_label(completion) == expected else 0.0)
    return rewards


def reward_format(completions: list[Any], **kwargs: Any) -> list[float | None]:
    """1.0 if the answer starts with PHISHING, FRAUD or SAFE (any case or Markdown), else 0.0."""
    return [1.0 if _answer(completion) in LABELS else 0.0 for completion in completions]


REWARDS = [reward_label, reward_format]
