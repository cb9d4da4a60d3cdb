"""`cos adapters train DEPT`: evaluate, train with GRPO, evaluate again, save the adapter and its report.

Everything a run needs to resume (v, optimizer state, reward curve, the 'before' metric) is checkpointed
after every step in the department's store folder; the checkpoint is removed once the adapter is saved. The
adapter file carries the report without the reward curve (report.json has it), so it stays under 1 KB at 13
parameters however many steps were run.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from chief_of_staff.errors import ChiefOfStaffError
from chief_of_staff.plugins.manifest import Department
from chief_of_staff.tinylora.adapter_file import save_adapter
from chief_of_staff.tinylora.layer import AdapterBank, Trainable, snapshot
from chief_of_staff.tinylora.spec import spec_for_params
from chief_of_staff.tinylora.store import ADAPTER_FILE
from chief_of_staff.training.checkpoint import TrainingState, clear_checkpoint, load_checkpoint
from chief_of_staff.training.evaluate import EvalResult, evaluate
from chief_of_staff.training.grpo import GrpoOptions, train_grpo
from chief_of_staff.training.report import write_report
from chief_of_staff.training.reward_functions import RewardFunction, training_rewards
from chief_of_staff.training.tasks import TaskSet
from chief_of_staff.training.time_budget import TimeBudget, split_validation

# report.json's keys the adapter file leaves out: its size must not grow with the steps run
REPORT_ONLY = ("reward_curve", "validation", "arms")


@dataclass
class TrainRequest:
    params: int = 13
    steps: int | None = None  # None: the department's [training] max_steps
    seed: int = 0
    resume: bool = False
    learning_rate: float | None = None  # None: the department's [training] learning_rate
    tasks_per_step: int | None = None  # None: the department's [training] tasks_per_step
    repetition_penalty: float = 1.0  # chat's (settings.repetition_penalty), so evaluation answers as chat does
    minutes: float | None = None  # a time budget: stop then, keeping the best vector on a validation split


def default_weights(rewards: list[RewardFunction]) -> list[float] | None:
    """Every reward counts once: `style_compliance` (the share of rules followed) is logged and is the metric,
    but weighs 0 next to the per-rule rewards that already count each rule; `style_quality` (the guard) weighs as
    much as all the rules together, so no mix of rules pays for an answer that stops doing the task."""
    names = [reward.__name__ for reward in rewards]
    if "style_compliance" not in names or len([n for n in names if n.startswith("style_")]) < 2:
        return None
    rules = len([n for n in names if n.startswith("style_") and n not in ("style_compliance", "style_quality")])
    return [0.0 if name == "style_compliance" else float(rules) if name == "style_quality" else 1.0
            for name in names]


def arms_report(model, tokenizer, bank: AdapterBank, department: Department, tasks: TaskSet, adapter, embed,
                request: TrainRequest, max_new_tokens: int) -> dict[str, dict]:
    """The four arms' compliance, guard and verdict, as report.json keeps them."""
    from chief_of_staff.style.arms import four_arms

    name = f"{department.name} (trained)"
    bank.add(name, adapter)
    try:
        arms = four_arms(model, tokenizer, bank, department, tasks.heldout, embed, adapter=name,
                         max_new_tokens=max_new_tokens, repetition_penalty=request.repetition_penalty)
    finally:
        bank.remove(name)
    return {arm.name: {"compliance": round(arm.score.compliance, 4), "guard_pass": round(arm.score.guard_pass, 4),
                       "on_topic": round(arm.score.on_topic, 4), "verdict": arm.verdict(arms[0])}
            for arm in arms}


def as_in_chat(department: Department, tasks: list[dict]) -> list[dict]:
    """The tasks as chat sends them: each prompt through the department's `prepare_task` hook."""
    return [{**task, "prompt": department.prepare_task(task["prompt"])} for task in tasks]


def held_out_metric(model, tokenizer, bank: AdapterBank, department: Department, tasks: TaskSet,
                    metric: RewardFunction, adapter_name: str | None,
                    trainable: Trainable | None = None, repetition_penalty: float = 1.0) -> EvalResult:
    """The held-out `metric` (the department's first reward) with the named adapter (or `trainable`, or
    nothing) active."""
    bank.activate(adapter_name)
    bank.trainable = trainable
    try:
        return evaluate(model, tokenizer, department.training_system_prompt, as_in_chat(department, tasks.heldout),
                        metric, department.manifest.training.max_completion_length,
                        repetition_penalty=repetition_penalty)
    finally:
        bank.trainable = None


def train_department(
    *, model, tokenizer, bank: AdapterBank, department: Department, tasks: TaskSet, request: TrainRequest,
    folder: Path, model_name: str, on_phase: Callable[[str], None] = lambda _: None,
    on_step: Callable[[TrainingState], None] | None = None, embed: Callable | None = None,
) -> dict:
    """Train and save; returns the report. With `embed` (the router's embedder) and a [style], the report has the
    four arms on the held-out tasks too (style/arms.py)."""
    run_started = time.perf_counter()
    policy = department.manifest.training
    rewards = training_rewards(department, embed)
    if policy.reward_weights is not None and len(policy.reward_weights) != len(rewards):
        raise ChiefOfStaffError(
            f"{department.name}: [training] reward_weights has {len(policy.reward_weights)} weights but the "
            f"department has {len(rewards)} reward functions (rewards.py's REWARDS, then [style]'s, then style_quality "
            "when it trains from the CLI); give one "
            "weight per function"
        )
    train_rows, validation = as_in_chat(department, tasks.train), []
    if request.minutes:  # checked before any evaluation, so a task set too small for it fails at once
        train_rows, validation = split_validation(train_rows)
    spec = spec_for_params(request.params, bank.skeleton.num_modules)
    steps = request.steps or policy.max_steps
    learning_rate = request.learning_rate or policy.learning_rate
    tasks_per_step = request.tasks_per_step or policy.tasks_per_step
    config = {"spec": spec.to_dict(), "seed": request.seed, "learning_rate": learning_rate,
              "tasks_per_step": tasks_per_step}
    state = load_checkpoint(folder) if request.resume else None
    if request.resume and state is None:
        raise ChiefOfStaffError(f"nothing to resume for {department.name}: no checkpoint in {folder}")
    if state and {k: state.config.get(k) for k in config} != config:
        raise ChiefOfStaffError(
            f"the checkpoint in {folder} was started with {state.config}, not {config}; "
            "drop --resume to start over, or pass the same --params and --seed"
        )
    if state is None:
        clear_checkpoint(folder)
        on_phase("evaluating the base model on the held-out tasks")
        before = held_out_metric(model, tokenizer, bank, department, tasks, rewards[0], None,
                                 repetition_penalty=request.repetition_penalty)
        state = TrainingState(config={**config, "before": before.__dict__})
    before = EvalResult(**state.config["before"])
    on_phase(f"training {spec.trainable_parameters(bank.skeleton.num_modules)} parameters")
    options = GrpoOptions(max_steps=steps, num_generations=policy.num_generations, tasks_per_step=tasks_per_step,
                          max_completion_length=policy.max_completion_length,
                          learning_rate=learning_rate, reward_weights=policy.reward_weights or default_weights(rewards),
                          seed=request.seed)
    budget = None
    if validation:
        budget = TimeBudget(request.minutes, steps, lambda: evaluate(
            model, tokenizer, department.training_system_prompt, validation, rewards[0],
            policy.max_completion_length, repetition_penalty=request.repetition_penalty).score)

    def step_done(done: TrainingState) -> None:
        if budget is not None:
            budget.check(done)
        if on_step is not None:
            on_step(done)

    trainable = train_grpo(model=model, tokenizer=tokenizer, bank=bank, spec=spec,
                           system_prompt=department.training_system_prompt, tasks=train_rows, rewards=rewards,
                           options=options, state=state, checkpoint_folder=folder, on_step=step_done,
                           should_stop=budget.out_of_time if budget else None)
    budget_report = budget.keep_best(trainable.v) if budget else {}
    on_phase("evaluating the adapter on the held-out tasks")
    after = held_out_metric(model, tokenizer, bank, department, tasks, rewards[0], None, trainable,
                            repetition_penalty=request.repetition_penalty)
    report = {
        "department": department.name,
        "params": trainable.v.numel(),
        "groups": trainable.v.shape[0],
        "spec": spec.to_dict(),
        "base_model": model_name,
        "base_fingerprint": bank.skeleton.base_fingerprint,
        "steps": state.step,
        "num_generations": policy.num_generations,
        "tasks_per_step": tasks_per_step,
        "learning_rate": learning_rate,
        "seed": request.seed,
        "wall_time_s": round(time.perf_counter() - run_started, 1),  # this invocation, evaluations included
        "train_time_s": round(state.elapsed_s, 1),  # GRPO steps only, summed over resumed runs
        "reward_curve": [None if math.isnan(x) else round(x, 4) for x in state.rewards],
        "eval": {"metric": before.metric, "n": before.n, "before": round(before.score, 4),
                 "after": round(after.score, 4)},
        "trained_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        **budget_report,
    }
    adapter = snapshot(trainable, bank.skeleton, department.name)
    style = department.manifest.style
    if embed is not None and style is not None and style.rules:
        on_phase("comparing four arms on the held-out tasks: base, rules in prompt, adapter, adapter + rules")
        report["arms"] = arms_report(model, tokenizer, bank, department, tasks, adapter, embed, request,
                                     policy.max_completion_length)
    # the file keeps a summary whose size does not grow with the steps run; the reward curve is in report.json
    adapter.report = {key: value for key, value in report.items() if key not in REPORT_ONLY}
    adapter.report["bytes"] = 0
    while adapter.report["bytes"] != (size := save_adapter(adapter, folder / ADAPTER_FILE)):
        adapter.report["bytes"] = size  # the file records its own size: rewrite until the number is stable
    report["bytes"] = size
    write_report(report, folder)
    clear_checkpoint(folder)
    return report
