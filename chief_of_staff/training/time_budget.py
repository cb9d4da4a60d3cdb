"""`cos adapters train --minutes N`: stop at a time budget and keep the best vector seen, judged on a small
validation split of the training tasks (never the held-out ones, which measure the result).

The validation split is the last fifth of the training tasks (at least 2). It is scored every few steps and at
the budget's end; the vector that scored best is the one saved. The held-out evaluations before and after
training are measurements, outside the budget.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

import torch

from chief_of_staff.errors import ChiefOfStaffError
from chief_of_staff.training.checkpoint import TrainingState

VALIDATION_SHARE = 5  # one task in five
MIN_VALIDATION = 2
CHECKS_PER_RUN = 5


def split_validation(tasks: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(tasks to train on, validation tasks)."""
    size = max(MIN_VALIDATION, len(tasks) // VALIDATION_SHARE)
    if len(tasks) <= size:
        raise ChiefOfStaffError(f"--minutes needs more than {size} training tasks to hold {size} out for validation")
    return tasks[:-size], tasks[-size:]


class TimeBudget:
    """Watches a run: `due(state)` says when to stop; `check(state)` scores the current vector when it is time."""

    def __init__(self, minutes: float, max_steps: int, validate: Callable[[], float]) -> None:
        self.deadline = time.perf_counter() + minutes * 60
        self.every = max(1, math.ceil(max_steps / CHECKS_PER_RUN))
        self.validate = validate
        self.best_score = -math.inf
        self.best_v: torch.Tensor | None = None
        self.best_step = 0
        self.checked: list[tuple[int, float]] = []

    def out_of_time(self) -> bool:
        return time.perf_counter() >= self.deadline

    def check(self, state: TrainingState) -> None:
        """After a step: score on the validation split every few steps and when time is up; keep the best."""
        if state.step % self.every and not self.out_of_time():
            return
        score = self.validate()
        self.checked.append((state.step, round(score, 4)))
        if score > self.best_score:
            self.best_score, self.best_v, self.best_step = score, state.v.detach().clone(), state.step

    def keep_best(self, v: torch.nn.Parameter) -> dict[str, Any]:
        """Put the best vector in `v`; the report's account of the budget."""
        if self.best_v is not None:
            with torch.no_grad():
                v.copy_(self.best_v.reshape(v.shape))
        return {"best_step": self.best_step, "validation": self.checked, "stopped_by_time": self.out_of_time()}
