"""The held-out metric: the department's first reward function, averaged over its held-out tasks answered with
greedy decoding (reproducible), with and without the adapter."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch

from chief_of_staff.training.reward_functions import RewardFunction
from chief_of_staff.training.tasks import task_columns


@dataclass
class EvalResult:
    metric: str
    n: int  # scored tasks
    score: float  # mean of the metric over scored tasks, 0..1


def task_messages(system_prompt: str, task: dict[str, Any]) -> list[dict[str, str]]:
    return [{"role": "system", "content": system_prompt}, {"role": "user", "content": task["prompt"]}]


@torch.inference_mode()
def greedy_answers(model, tokenizer, prompts: list[list[dict[str, str]]], max_new_tokens: int,
                   batch_size: int = 8, on_batch: Callable[[int], None] | None = None,
                   repetition_penalty: float = 1.0) -> list[str]:
    """Greedy completions, batched with left padding (`repetition_penalty`: chat's, to answer as chat does)."""
    tokenizer.padding_side = "left"
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    answers = []
    for start in range(0, len(prompts), batch_size):
        texts = [tokenizer.apply_chat_template(p, tokenize=False, add_generation_prompt=True)
                 for p in prompts[start:start + batch_size]]
        batch = tokenizer(texts, return_tensors="pt", padding=True, add_special_tokens=False).to(model.device)
        out = model.generate(**batch, max_new_tokens=max_new_tokens, do_sample=False,
                             repetition_penalty=repetition_penalty,
                             pad_token_id=tokenizer.pad_token_id)  # (b, T + new)
        answers += tokenizer.batch_decode(out[:, batch["input_ids"].shape[1]:], skip_special_tokens=True)
        if on_batch:
            on_batch(len(texts))
    return answers


def evaluate(model, tokenizer, system_prompt: str, tasks: list[dict[str, Any]], metric: RewardFunction,
             max_new_tokens: int, on_batch: Callable[[int], None] | None = None,
             repetition_penalty: float = 1.0) -> EvalResult:
    answers = greedy_answers(model, tokenizer, [task_messages(system_prompt, t) for t in tasks], max_new_tokens,
                             on_batch=on_batch, repetition_penalty=repetition_penalty)
    scores = [s for s in metric(answers, **task_columns(tasks)) if s is not None]
    return EvalResult(metric=metric.__name__, n=len(scores), score=sum(scores) / len(scores) if scores else 0.0)
