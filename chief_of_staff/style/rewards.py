"""A department's house style as reward functions, in TRL's shape `(completions, **kwargs) -> list[float]`.

`style_compliance` (the share of the rules an answer follows) comes first, so it is the held-out metric of a
department whose only rewards are its house rules; then one reward per rule, `style_<rule>`: the rule's grade
(style/checks.py), 1.0 when the answer follows it and partial credit for coming closer. They come after a
department's own rewards.py.
"""

from __future__ import annotations

from typing import Any

from chief_of_staff.style.checks import GRADES, compliance
from chief_of_staff.style.rules import HouseStyle
from chief_of_staff.training.reward_functions import RewardFunction
from chief_of_staff.training.reward_kit import completion_text


def style_rewards(style: HouseStyle) -> list[RewardFunction]:
    """`style_compliance`, then a reward for each rule set (none when the style sets no rule)."""
    if not style.rules:
        return []

    def style_compliance(completions: list[Any], **_: Any) -> list[float | None]:
        results = [compliance(style, completion_text(c)) for c in completions]
        return [sum(r.values()) / len(r) for r in results]

    return [style_compliance, *(_rule_reward(style, rule) for rule in style.rules)]


def _rule_reward(style: HouseStyle, rule: str) -> RewardFunction:
    grade = GRADES[rule]

    def reward(completions: list[Any], **_: Any) -> list[float | None]:
        return [grade(style, completion_text(c)) for c in completions]

    reward.__name__ = f"style_{rule}"
    return reward
