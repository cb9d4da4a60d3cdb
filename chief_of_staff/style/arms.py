"""Four arms on a department's held-out prompts, side by side: does a house-style adapter beat writing the rules
into the prompt?

    base                  the model with the department's prompt.md
    rules in prompt       the same, with the house rules written out after it (style/checks.py, rules_in_words)
    adapter               the department's adapter, prompt.md only
    adapter + rules       both

Answers are generated as chat generates them (prompt.md as the system prompt, the `prepare_task` hook, greedy with
chat's repetition penalty) on the training model's transformers form, with the adapter switched in the bank.
Each arm is scored for compliance with every rule and by the quality guard (style/guard.py).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from chief_of_staff.plugins.manifest import Department
from chief_of_staff.style.checks import compliance, rules_in_words
from chief_of_staff.style.guard import Embed, GuardedScore, guard_failure, on_topic
from chief_of_staff.training.evaluate import greedy_answers, task_messages


@dataclass(frozen=True)
class Arm:
    name: str
    score: GuardedScore
    answers: list[str]

    def verdict(self, base: Arm) -> str:
        """"-" for the base itself; only an arm with the adapter can be reward hacking."""
        if self is base:
            return "-"
        return self.score.verdict(base.score, trained=self.name.startswith("adapter"))


def score_answers(department: Department, prompts: list[str], answers: list[str], embed: Embed) -> GuardedScore:
    style = department.manifest.style
    followed = [compliance(style, a) for a in answers]
    failures = Counter(f for f in (guard_failure(style, a) for a in answers) if f)
    rules = style.rules
    topical = on_topic(embed, prompts, answers)
    return GuardedScore(
        compliance=sum(sum(f.values()) / len(f) for f in followed) / len(answers),
        per_rule={rule: sum(f[rule] for f in followed) / len(answers) for rule in rules},
        guard_pass=1 - sum(failures.values()) / len(answers),
        topical=tuple(topical),
        failures=dict(failures),
    )


def four_arms(model, tokenizer, bank, department: Department, tasks: list[dict], embed: Embed, *,
              adapter: str | None, max_new_tokens: int, repetition_penalty: float,
              on_arm: Callable[[str], None] = lambda _: None) -> list[Arm]:
    """The arms on `tasks` (held-out rows); without an `adapter` name, only the first two."""
    style = department.manifest.style
    if style is None or not style.rules:
        raise ValueError(f"{department.name} has no [style] rules to measure")
    prompts = [department.prepare_task(task["prompt"]) for task in tasks]
    with_rules = f"{department.training_system_prompt}\n\n{rules_in_words(style)}"
    plans = [("base", None, department.training_system_prompt), ("rules in prompt", None, with_rules)]
    if adapter:
        plans += [("adapter", adapter, department.training_system_prompt), ("adapter + rules", adapter, with_rules)]
    arms = []
    for name, active, system in plans:
        on_arm(name)
        bank.activate(active)
        messages = [task_messages(system, {"prompt": p}) for p in prompts]
        answers = [department.finish_answer(a.strip()) for a in
                   greedy_answers(model, tokenizer, messages, max_new_tokens, repetition_penalty=repetition_penalty)]
        arms.append(Arm(name, score_answers(department, prompts, answers, embed), answers))
    bank.activate(None)
    return arms
