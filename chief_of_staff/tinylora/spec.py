"""The shape of a TinyLoRA update: rank, vector size, weight tying and projection seed, validated on creation."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class TinyLoraSpec:
    """Field names follow PEFT's TinyLoraConfig so a spec converts to it one to one."""

    r: int = field(default=2, metadata={"help": "Rank of the frozen SVD of each target weight (paper: 2)."})
    u: int = field(default=13, metadata={"help": "Length of each trainable vector v."})
    weight_tying: float = field(
        default=1.0, metadata={"help": "0.0: one v per module; 1.0: one v shared by all modules."}
    )
    projection_seed: int = field(default=42, metadata={"help": "Seed of the fixed random projections P."})
    target_modules: str = field(default="all-linear", metadata={"help": "Only 'all-linear' is supported."})

    def __post_init__(self) -> None:
        if self.r < 1:
            raise ValueError(f"r must be a positive integer, got {self.r}")
        if self.u < 1:
            raise ValueError(f"u must be a positive integer, got {self.u}")
        if not 0.0 <= self.weight_tying <= 1.0:
            raise ValueError(f"weight_tying must be between 0.0 and 1.0, got {self.weight_tying}")
        if self.target_modules != "all-linear":
            raise ValueError(f"target_modules must be 'all-linear', got {self.target_modules!r}")

    def num_groups(self, num_modules: int) -> int:
        """How many distinct v vectors (PEFT's rule)."""
        return max(1, round(num_modules * (1.0 - self.weight_tying)))

    def group_of(self, module_index: int, num_modules: int) -> int:
        """Which v a module uses (PEFT's rule: consecutive modules share a group)."""
        groups = self.num_groups(num_modules)
        size = max(1, num_modules // groups)
        return min(module_index // size, groups - 1)

    def trainable_parameters(self, num_modules: int) -> int:
        return self.u * self.num_groups(num_modules)

    def to_dict(self) -> dict:
        return asdict(self)


def spec_for_params(params: int, num_modules: int, r: int = 2, seed: int = 42) -> TinyLoraSpec:
    """A spec with about `params` trainable parameters: one shared v up to 64, then more groups of u = 13."""
    if params < 1:
        raise ValueError(f"--params must be at least 1, got {params}")
    if params <= 64:
        return TinyLoraSpec(r=r, u=params, weight_tying=1.0, projection_seed=seed)
    u = 13
    groups = min(num_modules, max(1, round(params / u)))
    if groups == num_modules:
        u = max(u, math.ceil(params / num_modules))
    return TinyLoraSpec(r=r, u=u, weight_tying=1.0 - groups / num_modules, projection_seed=seed)
