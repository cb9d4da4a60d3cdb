"""A department's training prompts: its verifiable task set, `tasks.jsonl` in its folder, one JSON object per
line, and for a house style its routing examples too ([training] tasks_from).

Each line: {"id": str, "split": "train" | "heldout", "prompt": str, ...fields its reward functions read}.
Malformed lines are reported with their line numbers; the caller chooses to train on the rest or to stop.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chief_of_staff.errors import ChiefOfStaffError
from chief_of_staff.plugins.manifest import Department

TASKS_FILE = "tasks.jsonl"
SPLITS = ("train", "heldout")


class TaskSetError(ChiefOfStaffError):
    """The task set is missing, empty or has malformed lines (and the user chose to stop)."""


@dataclass
class TaskSet:
    train: list[dict[str, Any]]
    heldout: list[dict[str, Any]]
    problems: list[tuple[int, str]] = field(default_factory=list)  # (line number, what is wrong)

    def describe_problems(self, limit: int = 10) -> str:
        shown = "; ".join(f"line {n}: {why}" for n, why in self.problems[:limit])
        more = f" (and {len(self.problems) - limit} more)" if len(self.problems) > limit else ""
        return shown + more


def task_columns(tasks: list[dict[str, Any]]) -> dict[str, list[Any]]:
    """Every task field but the prompt as a column (None where a task lacks it): how rewards receive them."""
    keys = sorted({k for t in tasks for k in t if k != "prompt"})
    return {k: [t.get(k) for t in tasks] for k in keys}


def _check(row: Any, seen: set[str]) -> str | None:
    if not isinstance(row, dict):
        return "not a JSON object"
    if not isinstance(row.get("id"), str) or not row["id"]:
        return "missing 'id'"
    if row["id"] in seen:
        return f"duplicate id {row['id']!r}"
    if row.get("split") not in SPLITS:
        return f"'split' must be 'train' or 'heldout', got {row.get('split')!r}"
    if not isinstance(row.get("prompt"), str) or not row["prompt"].strip():
        return "missing or empty 'prompt'"
    return None


def load_task_set(folder: Path, stop_on_error: bool = False) -> TaskSet:
    """The department's tasks; malformed lines are skipped and listed, or raise when `stop_on_error`."""
    path = folder / TASKS_FILE
    if not path.is_file():
        raise TaskSetError(f"no task set at {path}: write one JSON task per line (see `cos departments new`)")
    tasks = TaskSet([], [])
    seen: set[str] = set()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            tasks.problems.append((number, f"not valid JSON ({exc.msg})"))
            continue
        problem = _check(row, seen)
        if problem:
            tasks.problems.append((number, problem))
            continue
        seen.add(row["id"])
        (tasks.train if row["split"] == "train" else tasks.heldout).append(row)
    if tasks.problems and stop_on_error:
        raise TaskSetError(f"{path} has {len(tasks.problems)} malformed lines: {tasks.describe_problems()}")
    if not tasks.train or not tasks.heldout:
        raise TaskSetError(f"{path} needs both 'train' and 'heldout' tasks (has {len(tasks.train)} and "
                           f"{len(tasks.heldout)})")
    return tasks


def example_tasks(examples: list[str]) -> list[dict[str, Any]]:
    """A department's routing examples as prompt-only tasks, every third held out."""
    return [{"id": f"example-{number}", "split": "heldout" if number % 3 == 2 else "train", "prompt": text}
            for number, text in enumerate(examples)]


def task_sources(department: Department) -> list[str]:
    """Where the department's training prompts come from ([training] tasks_from, or its default)."""
    chosen = department.manifest.training.tasks_from
    if chosen:
        return list(chosen)
    if department.manifest.style is None:
        return ["tasks.jsonl"]
    return ["tasks.jsonl", "examples"] if (department.folder / TASKS_FILE).is_file() else ["examples"]


def training_task_set(department: Department, stop_on_error: bool = False) -> TaskSet:
    """The tasks `cos adapters train` uses: tasks.jsonl's, the routing examples, or both (task_sources)."""
    sources = task_sources(department)
    tasks = (load_task_set(department.folder, stop_on_error) if "tasks.jsonl" in sources
             else TaskSet([], []))
    if "examples" in sources:
        for task in example_tasks(department.manifest.examples):
            (tasks.train if task["split"] == "train" else tasks.heldout).append(task)
    if not tasks.train or not tasks.heldout:
        raise TaskSetError(f"{department.name} needs prompts to train and to hold out (has {len(tasks.train)} and "
                           f"{len(tasks.heldout)} from {' and '.join(sources)}): add routing examples or tasks")
    return tasks
