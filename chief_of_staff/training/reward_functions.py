"""Loading a department's reward functions (`rewards.py`'s list REWARDS, then its `[style]` rules) and making them
safe to train with.

A reward function that raises never stops training: the batch is retried one sample at a time, and each
sample that still raises counts as unscored (None), with one warning per function.
"""

from __future__ import annotations

import functools
import importlib.util
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from chief_of_staff.errors import ChiefOfStaffError
from chief_of_staff.plugins.manifest import Department

REWARDS_FILE = "rewards.py"
RewardFunction = Callable[..., list[float | None]]

log = logging.getLogger(__name__)


class RewardError(ChiefOfStaffError):
    """The department's rewards.py is missing or does not define REWARDS."""


def load_rewards(folder: Path, department: str, style: Any = None, own: bool = True,
                 embed: Any = None) -> list[RewardFunction]:
    """The department's rewards: rewards.py's (unless `own` is False: training on prompts without task fields),
    then its house style's (style/rewards.py, with `style_quality` when given the router's `embed`) when `style`
    sets rules. The first is the held-out metric: the
    department's own (what calibration calls right), or `style_compliance` for house rules alone."""
    from chief_of_staff.style.rewards import style_rewards  # imports this module: load it only when asked

    from_style = style_rewards(style, embed) if style is not None else []
    path = folder / REWARDS_FILE
    if not own or not path.is_file():
        if from_style:
            return [never_raising(f) for f in from_style]
        raise RewardError(f"no reward functions at {path}: define REWARDS = [your_reward, ...] there, "
                          "or house rules in department.toml's [style]")
    spec = importlib.util.spec_from_file_location(f"chief_of_staff_department_rewards.{department}", path)
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as exc:  # third-party code: report, never crash with a traceback
        raise RewardError(f"{path} failed to import: {type(exc).__name__}: {exc}") from exc
    rewards = getattr(module, "REWARDS", None)
    if not rewards or not all(callable(f) for f in rewards):
        raise RewardError(f"{path} must define REWARDS, a non-empty list of reward functions")
    return [never_raising(f) for f in [*rewards, *from_style]]


def training_rewards(department: Department, embed: Any = None) -> list[RewardFunction]:
    """The rewards `cos adapters train` uses for the department's training prompts (training/tasks.py)."""
    from chief_of_staff.training.tasks import task_sources

    return load_rewards(department.folder, department.name, department.manifest.style,
                        own="tasks.jsonl" in task_sources(department), embed=embed)


def never_raising(reward: RewardFunction) -> RewardFunction:
    """`reward`, except that a sample it raises on scores None (warned once) instead of stopping training."""
    warned = False

    @functools.wraps(reward)
    def wrapper(completions: list[Any], **kwargs: Any) -> list[float | None]:
        nonlocal warned
        try:
            return list(reward(completions, **kwargs))
        except Exception as batch_error:  # noqa: BLE001 - any error in user code is reported, not raised
            scores: list[float | None] = []
            for i, completion in enumerate(completions):
                one = {k: [v[i]] if isinstance(v, list) and len(v) == len(completions) else v
                       for k, v in kwargs.items()}
                try:
                    scores.append(reward([completion], **one)[0])
                except Exception:  # noqa: BLE001
                    scores.append(None)
            if not warned:
                log.warning("reward %s raised %s: %s; those samples count as unscored",
                            reward.__name__, type(batch_error).__name__, batch_error)
                warned = True
            return scores

    return wrapper
