"""The quality guard: an answer that follows the house rules must still do the task.

Per answer, it fails when the answer is empty, is only the sign-off (fewer than MIN_OWN_WORDS words besides it),
or repeats itself (a run of REPEAT_NGRAM words three times or more, or the same line twice). Per arm, on-topic is
the mean cosine, in the router's sentence embedding, between each task and its answer; an arm whose on-topic
mean falls more than ON_TOPIC_TOLERANCE below the base model's fails the guard. An arm that raises compliance
while failing the guard is reward hacking, and its adapter does not ship.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from chief_of_staff.style.checks import words
from chief_of_staff.style.rules import HouseStyle

MIN_OWN_WORDS = 3  # words an answer needs besides its sign-off
REPEAT_NGRAM = 4
ON_TOPIC_TOLERANCE = 0.02  # cosine: the spread of the base's on-topic mean between greedy runs is about this

Embed = Callable[[list[str]], np.ndarray]


def repeats_itself(text: str) -> bool:
    tokens = [w.lower() for w in words(text)]
    grams = Counter(tuple(tokens[i:i + REPEAT_NGRAM]) for i in range(len(tokens) - REPEAT_NGRAM + 1))
    lines = [line.strip().lower() for line in text.splitlines() if len(line.split()) >= REPEAT_NGRAM]
    return any(n >= 3 for n in grams.values()) or len(set(lines)) < len(lines)


def guard_failure(style: HouseStyle | None, answer: str) -> str | None:
    """Why the answer fails the per-answer guard, or None when it passes."""
    if not answer.strip():
        return "empty"
    own = answer
    if style is not None and style.sign_off:
        own = answer.replace(style.sign_off, " ")
    if len(words(own)) < MIN_OWN_WORDS:
        return "only the sign-off" if style is not None and style.sign_off else "too short"
    if repeats_itself(answer):
        return "repeats itself"
    return None


def on_topic(embed: Embed, tasks: Sequence[str], answers: Sequence[str]) -> list[float]:
    """Cosine of each task with its answer (unit vectors, so the dot product)."""
    task_vectors, answer_vectors = embed(list(tasks)), embed([a or " " for a in answers])
    return [float(v) for v in np.sum(task_vectors * answer_vectors, axis=1)]


@dataclass(frozen=True)
class GuardedScore:
    """One arm's answers: rule compliance, the share passing the per-answer guard, and mean on-topic."""

    compliance: float
    per_rule: dict[str, float]
    guard_pass: float
    on_topic: float
    failures: dict[str, int]

    def guard_held(self, base: GuardedScore) -> bool:
        """Passes as often as the base does and stays as on-topic, within the tolerance."""
        return self.guard_pass >= base.guard_pass and self.on_topic >= base.on_topic - ON_TOPIC_TOLERANCE

    def verdict(self, base: GuardedScore) -> str:
        if self.guard_held(base):
            return "guard held"
        return "reward hacking" if self.compliance > base.compliance else "guard failed"
