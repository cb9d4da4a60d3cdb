"""A department's house style as reward functions, in TRL's shape `(completions, **kwargs) -> list[float]`.

`style_compliance` (the share of the rules an answer follows) comes first, so it is the held-out metric of a
department whose only rewards are its house rules; then one reward per rule, `style_<rule>`: the rule's grade
(style/checks.py), 1.0 when the answer follows it and partial credit for coming closer. They come after a
department's own rewards.py.

With the router's embedder, training cannot buy compliance with answers that no longer do the task (the first
security run did: one "word" of hyphenated gibberish keeps to any word limit; the second opened with "No no No"
and went on in gibberish):
- `style_quality` comes last, the quality guard as a reward: 0 for an answer the guard fails (empty, only the
  sign-off, repeating itself), else the cosine between the task and the answer, as the arms' on-topic reads it;
- and each rule's grade is paid in proportion to that quality, in full from a cosine of ON_TOPIC_IN_FULL up.
"""

from __future__ import annotations

from typing import Any

from chief_of_staff.style.checks import GRADES, compliance
from chief_of_staff.style.guard import Embed, guard_failure, on_topic
from chief_of_staff.style.rules import HouseStyle
from chief_of_staff.training.reward_functions import RewardFunction
from chief_of_staff.training.reward_kit import completion_text

ON_TOPIC_IN_FULL = 0.4  # the base model's answers to the built-ins' prompts score about 0.5-0.55


def style_rewards(style: HouseStyle, embed: Embed | None = None) -> list[RewardFunction]:
    """`style_compliance`, then a reward for each rule set, then with `embed` `style_quality` (none when the style
    sets no rule)."""
    if not style.rules:
        return []

    def style_compliance(completions: list[Any], **_: Any) -> list[float | None]:
        results = [compliance(style, completion_text(c)) for c in completions]
        return [sum(r.values()) / len(r) for r in results]

    rewards = [style_compliance, *(_rule_reward(style, rule, embed) for rule in style.rules)]
    return rewards + [_quality_reward(style, embed)] if embed is not None else rewards


def _quality(style: HouseStyle, embed: Embed, prompts: list[Any], answers: list[str]) -> list[float]:
    """0 for an answer the guard fails, else its cosine with the task (never below 0)."""
    cosines = on_topic(embed, [completion_text(p) for p in prompts], answers)
    return [0.0 if guard_failure(style, a) else max(0.0, cos) for a, cos in zip(answers, cosines)]


def _quality_reward(style: HouseStyle, embed: Embed) -> RewardFunction:
    def style_quality(completions: list[Any], prompts: list[Any], **_: Any) -> list[float | None]:
        return _quality(style, embed, prompts, [completion_text(c) for c in completions])

    return style_quality


def _rule_reward(style: HouseStyle, rule: str, embed: Embed | None) -> RewardFunction:
    grade = GRADES[rule]

    def reward(completions: list[Any], prompts: list[Any] | None = None, **_: Any) -> list[float | None]:
        answers = [completion_text(c) for c in completions]
        grades = [grade(style, a) for a in answers]
        if embed is None or prompts is None:
            return grades
        paid = [min(1.0, q / ON_TOPIC_IN_FULL) for q in _quality(style, embed, prompts, answers)]
        return [g * p for g, p in zip(grades, paid)]

    reward.__name__ = f"style_{rule}"
    return reward
