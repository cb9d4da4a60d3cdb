"""GRPO training of one department's TinyLoRA vector with TRL's GRPOTrainer.

TRL runs the RL loop (sampling num_generations completions per task, group-normalised advantages, the clipped
policy loss); we hand it the base model with our TinyLoRA layers attached and only v trainable, our own
optimizer (so its state can be checkpointed every step in a few bytes instead of TRL's full-model checkpoints),
and the department's reward functions made never-raising.
"""

from __future__ import annotations

import functools
import tempfile
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from transformers import PrinterCallback, TrainerCallback

from chief_of_staff.errors import ChiefOfStaffError
from chief_of_staff.tinylora.layer import AdapterBank, Trainable
from chief_of_staff.tinylora.spec import TinyLoraSpec
from chief_of_staff.training.checkpoint import TrainingState, save_checkpoint
from chief_of_staff.training.evaluate import task_messages
from chief_of_staff.training.reward_functions import RewardFunction
from chief_of_staff.training.tasks import task_columns


class TrainingInterrupted(ChiefOfStaffError):
    """Ctrl-C during training; the last finished step is checkpointed."""


@dataclass
class GrpoOptions:
    """Names follow TRL's GRPOConfig."""

    max_steps: int = 30
    num_generations: int = 8
    tasks_per_step: int = 1
    max_completion_length: int = 8
    learning_rate: float = 0.005
    temperature: float = 1.0
    beta: float = 0.0
    epsilon: float = 0.2
    scale_rewards: str = "group"
    reward_weights: list[float] | None = None
    seed: int = 0


class _StepCallback(TrainerCallback):
    """After each optimizer step: checkpoint; once its metrics are logged: record the reward, report progress."""

    def __init__(self, state: TrainingState, trainable: Trainable, optimizer: torch.optim.Optimizer,
                 folder: Path, on_step: Callable[[TrainingState], None] | None,
                 should_stop: Callable[[], bool] | None = None) -> None:
        self.state, self.trainable, self.optimizer = state, trainable, optimizer
        self.folder, self.on_step, self.should_stop = folder, on_step, should_stop
        self.started = time.perf_counter()
        self.elapsed_before = state.elapsed_s

    def _save(self) -> None:
        self.state.v = self.trainable.v.detach().clone()
        self.state.optimizer = self.optimizer.state_dict()
        self.state.elapsed_s = self.elapsed_before + time.perf_counter() - self.started
        save_checkpoint(self.state, self.folder)

    def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        self.state.step += 1
        self.state.rewards.append(float("nan"))  # filled in by on_log, which the trainer calls right after
        self._save()

    def on_log(self, args: Any, state: Any, control: Any, logs: dict | None = None, **kwargs: Any) -> None:
        if not logs or "reward" not in logs or not self.state.rewards:
            return
        self.state.rewards[-1] = float(logs["reward"])
        self._save()
        if self.on_step:
            self.on_step(self.state)
        if self.should_stop is not None and self.should_stop():
            control.should_training_stop = True  # a time budget ran out: the trainer ends after this step


def _dataset(system_prompt: str, tasks: list[dict[str, Any]]):
    """Prompts and task indexes only: task fields may mix types (a number here, a word there) or nest, which
    Arrow columns cannot hold, so rewards look the fields up by index (see _with_task_fields)."""
    from datasets import Dataset

    return Dataset.from_list([{"prompt": task_messages(system_prompt, t), "task_index": i}
                              for i, t in enumerate(tasks)])


def _with_task_fields(reward: RewardFunction, tasks: list[dict[str, Any]]) -> RewardFunction:
    """`reward` called with the task fields of each completion's task, as TRL would pass dataset columns."""

    @functools.wraps(reward)
    def wrapper(completions: list[Any], task_index: list[int], **kwargs: Any) -> list[float | None]:
        return reward(completions, **{**kwargs, **task_columns([tasks[i] for i in task_index])})

    return wrapper


def train_grpo(
    *,
    model: torch.nn.Module,
    tokenizer: Any,
    bank: AdapterBank,
    spec: TinyLoraSpec,
    system_prompt: str,
    tasks: list[dict[str, Any]],
    rewards: list[RewardFunction],
    options: GrpoOptions,
    state: TrainingState,
    checkpoint_folder: Path,
    on_step: Callable[[TrainingState], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> Trainable:
    """Train from `state` (step 0 or a checkpoint) to options.max_steps; returns the trained vector."""
    from trl import GRPOConfig, GRPOTrainer

    for p in model.parameters():
        p.requires_grad_(False)
    trainable = Trainable(bank.skeleton, spec, state.v)
    model.tinylora_trainable = trainable  # registered as a submodule: the trainer sees v and nothing else
    bank.trainable = trainable
    optimizer = torch.optim.AdamW(trainable.parameters(), lr=options.learning_rate, weight_decay=0.0)
    if state.optimizer:
        optimizer.load_state_dict(state.optimizer)
    remaining = options.max_steps - state.step
    torch.manual_seed(options.seed + state.step)
    try:
        with tempfile.TemporaryDirectory(prefix="cos-grpo-") as scratch:
            config = GRPOConfig(
                output_dir=scratch, max_steps=remaining,
                # One group per micro-batch, tasks_per_step groups per optimizer step: the loss's memory is one
                # group's, however many tasks a step averages (32 samples in one batch ran a 24 GiB machine out).
                per_device_train_batch_size=options.num_generations,
                gradient_accumulation_steps=options.tasks_per_step,
                num_generations=options.num_generations, max_completion_length=options.max_completion_length,
                learning_rate=options.learning_rate, lr_scheduler_type="constant", beta=options.beta,
                epsilon=options.epsilon, scale_rewards=options.scale_rewards, temperature=options.temperature,
                reward_weights=options.reward_weights,
                seed=options.seed + state.step, logging_steps=1, save_strategy="no", report_to=[],
                activation_checkpointing=False, disable_tqdm=True, use_cpu=not torch.cuda.is_available(),
                bf16=False, fp16=False,
            )
            trainer = GRPOTrainer(
                model=model, reward_funcs=[_with_task_fields(r, tasks) for r in rewards], args=config,
                train_dataset=_dataset(system_prompt, tasks),
                processing_class=tokenizer, optimizers=(optimizer, None),
                callbacks=[_StepCallback(state, trainable, optimizer, checkpoint_folder, on_step, should_stop)],
            )
            trainer.remove_callback(PrinterCallback)  # progress is ours; TRL would print every log dict
            if remaining > 0:
                with warnings.catch_warnings():  # TRL 1.16 calls a name transformers 5.25 deprecates; not the user's
                    warnings.filterwarnings("ignore", message="`is_gradient_checkpointing` is deprecated",
                                            category=FutureWarning)
                    trainer.train()
    except KeyboardInterrupt:
        raise TrainingInterrupted(
            f"training stopped at step {state.step} of {options.max_steps}; the checkpoint is kept: "
            "rerun with --resume to continue"
        ) from None
    finally:
        bank.trainable = None
        del model.tinylora_trainable
    return trainable
