"""`cos departments new NAME`: a working department folder, listed and routable at once, with a task-set and
reward template for `cos adapters train NAME`."""

from __future__ import annotations

import json
from pathlib import Path

from chief_of_staff.errors import PluginError
from chief_of_staff.plugins.manifest import MANIFEST_FILE, NAME_PATTERN, PROMPT_FILE
from chief_of_staff.training.reward_functions import REWARDS_FILE
from chief_of_staff.training.tasks import TASKS_FILE

MANIFEST_TEMPLATE = """\
# The {name} department. Edit freely: every field is checked when the Chief of Staff starts.
name = "{name}"
description = "{description}"
# Words that strongly signal this department.
keywords = {keywords}
# Tasks this department handles: the router learns from these. Add 20 or more real ones.
examples = [
{examples}
]

[tiers]
always_local = false          # true: this department's tasks never leave the machine
allowed_tiers = [1, 2, 3, 4]  # 1 local, 2 Claude Sonnet, 3 Claude Opus, 4 local for sensitive data
confidence_threshold = 0.5    # below this local confidence a task escalates
critical_keywords = []        # words that make a task a critical decision

# House rules every answer follows. Each one is checked by code and becomes a reward that
# `cos adapters train {name}` trains on. Every key is optional; delete the ones you don't want. The others:
# start_with, first_line_choices, sections (headings in order), min_words, must_include, emoji (true/false).
[style]
sign_off = "- The {title} team"
max_words = 120
never_use = ["synergy", "leverage"]
max_exclamations = 1
spelling = "en-GB"                # or "en-US"
"""

PROMPT_TEMPLATE = """\
You are the {title} department of a small business's Chief of Staff.
{description}

How to answer:
- Start with a one-line answer, then at most 5 short numbered steps.
- Be concrete and practical for a small business; say when a human expert is needed.
- Never invent facts, numbers or names; ask for the details you are missing.
"""


REWARDS_TEMPLATE = '''"""Reward functions for the {name} task set (tasks.jsonl), used by `cos adapters train {name}`.

Each has TRL's shape: (completions, **kwargs) -> list[float | None]; kwargs hold tasks.jsonl's other fields,
one value per completion. The first function in REWARDS is the held-out metric. Return None for a sample
that cannot be scored.
"""

from chief_of_staff.training.reward_kit import completion_text, first_word


def reward_exact(completions, answer=None, **kwargs):
    """1.0 when the answer's first word is the task's `answer` (any case), else 0.0."""
    answers = answer or [None] * len(completions)
    return [None if a is None else float(first_word(completion_text(c)) == str(a).lower())
            for c, a in zip(completions, answers)]


REWARDS = [reward_exact]
'''


def _task_template(name: str) -> str:
    rows = [
        {"id": f"{name}-{i:03d}", "split": "heldout" if i % 3 == 0 else "train",
         "prompt": f"Example {name} task {i}: replace me with a real one. Answer with one word: yes or no.",
         "answer": "yes" if i % 2 else "no"}
        for i in range(1, 10)
    ]
    return "\n".join(json.dumps(r) for r in rows) + "\n"


def scaffold_department(name: str, parent: Path, description: str | None = None) -> Path:
    """Write parent/NAME/{department.toml, prompt.md}; refuses a bad name or an existing folder."""
    if not NAME_PATTERN.match(name):
        raise PluginError(
            f"department name {name!r} must be 2-40 lower-case letters, digits, '-' or '_', starting with a letter",
            name,
            "choose a name like 'legal' or 'hr'",
        )
    folder = parent / name
    if folder.exists():
        raise PluginError(f"{folder} already exists", str(folder), "choose another name or edit that folder")
    title = name.replace("-", " ").replace("_", " ")
    description = description or f"Handles the business's {title} tasks."
    examples = [
        f"I have a {title} question",
        f"Help me with a {title} task",
        f"What should we do about this {title} issue?",
        f"Ask the {title} department to review this",
        f"Draft a plan for our {title} work this month",
    ]
    folder.mkdir(parents=True)
    (folder / MANIFEST_FILE).write_text(
        MANIFEST_TEMPLATE.format(
            name=name,
            description=description.replace('"', "'"),
            keywords=json.dumps(sorted({name, title})),
            examples="\n".join(f"  {json.dumps(e)}," for e in examples),
            title=title.title().replace('"', "'"),
        ),
        encoding="utf-8",
    )
    (folder / PROMPT_FILE).write_text(PROMPT_TEMPLATE.format(title=title, description=description), encoding="utf-8")
    (folder / TASKS_FILE).write_text(_task_template(name), encoding="utf-8")
    (folder / REWARDS_FILE).write_text(REWARDS_TEMPLATE.format(name=name), encoding="utf-8")
    return folder
