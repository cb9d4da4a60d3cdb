"""Training checkpoints: v, the optimizer state and the reward curve after every step, written atomically,
so Ctrl-C at any moment loses at most the step in progress and `--resume` continues from the last one."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

CHECKPOINT_FILE = "checkpoint.pt"


@dataclass
class TrainingState:
    step: int = 0
    v: torch.Tensor | None = None
    optimizer: dict[str, Any] | None = None
    rewards: list[float] = field(default_factory=list)  # mean reward per step
    config: dict[str, Any] = field(default_factory=dict)  # what the run was started with (spec, seed, ...)
    elapsed_s: float = 0.0


def save_checkpoint(state: TrainingState, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / (CHECKPOINT_FILE + ".tmp")
    torch.save(state.__dict__, tmp)
    tmp.replace(folder / CHECKPOINT_FILE)


def load_checkpoint(folder: Path) -> TrainingState | None:
    path = folder / CHECKPOINT_FILE
    if not path.is_file():
        return None
    return TrainingState(**torch.load(path, weights_only=False))


def clear_checkpoint(folder: Path) -> None:
    (folder / CHECKPOINT_FILE).unlink(missing_ok=True)
