"""The department contract: the fixed files of a department folder and the pydantic model they load into.

A department folder holds
    department.toml   the manifest (name, description, keywords, routing examples, tier policy, adapter, house
                      style)
    prompt.md         the department's system prompt
    hooks.py          optional: `prepare_task(text) -> str` and/or `finish_answer(text) -> str`
    tasks.jsonl       optional: the verifiable task set its adapter trains on (training/tasks.py)
    rewards.py        optional: REWARDS, the reward functions for that task set (training/reward_functions.py)
    tools.py          optional: langchain-core `@tool` functions the department's agent may call (tools/contract.py)
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Callable, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from chief_of_staff.style.rules import HouseStyle

MANIFEST_FILE = "department.toml"
PROMPT_FILE = "prompt.md"
HOOKS_FILE = "hooks.py"
HOOK_NAMES = ("prepare_task", "finish_answer")

NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_-]{1,39}$")


class TierPolicy(BaseModel):
    """How far a department's tasks may escalate (used by the escalation policy)."""

    model_config = ConfigDict(extra="forbid")

    always_local: bool = Field(False, description="Never send this department's tasks to the cloud (tier 4).")
    allowed_tiers: list[int] = Field([1, 2, 3, 4], description="Tiers this department may use, from 1 to 4.")
    confidence_threshold: float = Field(
        0.5, ge=0.0, le=1.0, description="Below this local confidence a task escalates."
    )
    critical_keywords: list[str] = Field(default_factory=list, description="Words that mark a task critical.")

    @field_validator("allowed_tiers")
    @classmethod
    def _tiers_in_range(cls, tiers: list[int]) -> list[int]:
        bad = [t for t in tiers if t not in (1, 2, 3, 4)]
        if bad or not tiers:
            raise ValueError(f"allowed_tiers must be a non-empty list drawn from 1, 2, 3, 4; got {tiers}")
        return tiers


class TrainingPolicy(BaseModel):
    """How `cos adapters train` trains this department's adapter (names follow TRL's GRPOConfig)."""

    model_config = ConfigDict(extra="forbid")

    max_completion_length: int = Field(8, ge=1, le=512, description="Tokens sampled per answer while training.")
    max_steps: int = Field(30, ge=1, description="GRPO steps unless --steps says otherwise.")
    num_generations: int = Field(8, ge=2, description="Answers sampled per task (the GRPO group).")
    tasks_per_step: int = Field(1, ge=1, description="Tasks per GRPO step; more averages out one task's noise.")
    learning_rate: float = Field(0.005, gt=0, description="AdamW learning rate for v.")
    reward_weights: list[float] | None = Field(
        None, description="Weight of each function in REWARDS (TRL's reward_weights); default: all 1.0."
    )
    system_prompt: str = Field(
        "", description="System message for task-set prompts; empty: the department's prompt.md, as chat uses it."
    )
    tasks_from: list[Literal["tasks.jsonl", "examples"]] | None = Field(
        None, min_length=1, description="Where training prompts come from: the task set, the routing examples "
        "(every third held out), or both. Default: tasks.jsonl; with a [style], also the examples. Without "
        "tasks.jsonl, rewards.py is not used: its rewards score the task set's fields."
    )


class AdapterRef(BaseModel):
    """Where a department's TinyLoRA adapter lives, relative to its folder."""

    model_config = ConfigDict(extra="forbid")

    path: str = Field(description="Adapter file, relative to the department folder.")
    base_model: str = Field("smollm2-135m", description="The model it was trained on (`cos models list` name, or "
                            "a GGUF's file name without .gguf): it is used only when that model answers.")


class DepartmentManifest(BaseModel):
    """What department.toml may contain."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(description="Lower-case identifier, 2-40 characters: letters, digits, '-' or '_'.")
    description: str = Field(min_length=1, description="One sentence: what this department handles.")
    keywords: list[str] = Field(default_factory=list, description="Words that strongly signal this department.")
    examples: list[str] = Field(default_factory=list, description="Tasks this department handles (routing).")
    fallback: bool = Field(False, description="Handles tasks no department fits (exactly one: 'general').")
    tiers: TierPolicy = Field(default_factory=TierPolicy)
    training: TrainingPolicy = Field(default_factory=TrainingPolicy)
    adapter: AdapterRef | None = None
    style: HouseStyle | None = Field(None, description="House rules every answer follows ([style]).")

    @field_validator("name")
    @classmethod
    def _valid_name(cls, name: str) -> str:
        if not NAME_PATTERN.match(name):
            raise ValueError(
                f"name {name!r} must be 2-40 lower-case letters, digits, '-' or '_', starting with a letter"
            )
        return name


class Department(BaseModel):
    """A loaded department: its manifest, its prompt, its hooks and where it came from."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    manifest: DepartmentManifest
    system_prompt: str
    folder: Path
    source: str = Field(description="builtin, cwd, path or entry-point:<package>")
    hooks: dict[str, Callable[[str], str]] = Field(default_factory=dict)
    tools: list[Any] = Field(default_factory=list, description="langchain-core tools from tools.py (BaseTool)")
    no_tool_examples: list[str] = Field(default_factory=list, description="tasks answered without a tool")

    @property
    def name(self) -> str:
        return self.manifest.name

    @property
    def training_system_prompt(self) -> str:
        """The system prompt adapters train and are evaluated under: chat's own (prompt.md), so a gain measured
        there holds in `cos chat`, unless [training] system_prompt sets another."""
        return self.manifest.training.system_prompt or self.system_prompt

    def prepare_task(self, text: str) -> str:
        hook = self.hooks.get("prepare_task")
        return hook(text) if hook else text

    def finish_answer(self, text: str) -> str:
        hook = self.hooks.get("finish_answer")
        return hook(text) if hook else text
