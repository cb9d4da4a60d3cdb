"""Measure a department's local model on its held-out tasks: each answer's confidence and whether it was right.

Feeds calibration (`cos escalation calibrate`) and the escalation benchmark. An answer is right when the
department's first reward function (its held-out metric) gives it full marks (>= 0.999); tasks the reward
cannot score are left out. Answers are greedy, as long as the department's training completions, on the
local backend in use (with the department's adapter when it has one).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from langchain_core.messages import HumanMessage, SystemMessage

from chief_of_staff.escalation.confidence import confidence_from_logprobs
from chief_of_staff.models.base import LocalChatModel
from chief_of_staff.plugins.manifest import Department
from chief_of_staff.settings import Settings
from chief_of_staff.training.reward_functions import RewardFunction
from chief_of_staff.training.tasks import task_columns

FULL_MARKS = 0.999


@dataclass
class Measurement:
    confidences: list[float]
    correct: list[bool]
    output_tokens: list[int]  # per scored task, for cost projections
    input_tokens: list[int]


def measure(chat_model: LocalChatModel, department: Department, tasks: list[dict[str, Any]],
            metric: RewardFunction, settings: Settings,
            on_task: Callable[[], None] | None = None) -> Measurement:
    max_tokens = department.manifest.training.max_completion_length
    answers, confidences, tokens_in, tokens_out = [], [], [], []
    for task in tasks:
        reply = chat_model.invoke([SystemMessage(department.training_system_prompt), HumanMessage(task["prompt"])],
                                  max_new_tokens=max_tokens)
        answers.append(reply.text)
        logprobs = [lp["logprob"] for lp in reply.response_metadata.get("logprobs", [])]
        confidences.append(confidence_from_logprobs(logprobs, settings.confidence_method,
                                                    settings.confidence_quantile) or 0.0)
        usage = reply.usage_metadata or {}
        tokens_in.append(usage.get("input_tokens", 0))
        tokens_out.append(usage.get("output_tokens", 0))
        if on_task:
            on_task()
    scores = metric(answers, **task_columns(tasks))
    kept = [i for i, s in enumerate(scores) if s is not None]
    return Measurement(
        confidences=[confidences[i] for i in kept], correct=[scores[i] >= FULL_MARKS for i in kept],
        output_tokens=[tokens_out[i] for i in kept], input_tokens=[tokens_in[i] for i in kept],
    )
