"""Measure a department's local answers on its held-out tasks: each answer's confidence and whether it was right.

Feeds calibration (`cos escalation calibrate`) and the escalation benchmark. The answers are produced the way
`cos chat` produces them (the department's tools first, when a selector is given and one fits, with the
embedder's score as the confidence; else the department's system prompt and task hook, `max_new_tokens`, greedy,
its adapter when it has one, agreement samples when configured), so the calibrated threshold holds for the
confidence the graph computes. An answer is right when the department's first reward function (its held-out
metric) gives it full marks (>= 0.999); tasks the reward cannot score are left out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage

from chief_of_staff.escalation.confidence import combined_confidence
from chief_of_staff.escalation.escalate import answer_confidence, sampled_agreement
from chief_of_staff.models.base import LocalChatModel
from chief_of_staff.plugins.manifest import Department
from chief_of_staff.settings import Settings
from chief_of_staff.tools.local_agent import LocalToolTurn, run_local_tools
from chief_of_staff.tools.selection import ToolSelector
from chief_of_staff.training.reward_functions import RewardFunction
from chief_of_staff.training.tasks import task_columns

FULL_MARKS = 0.999


@dataclass
class Measurement:
    confidences: list[float]  # by the configured method, agreement included when configured
    correct: list[bool]
    logprobs: list[list[float]]  # per scored task, for comparing confidence methods
    input_tokens: list[int]  # per scored task, for cost projections
    by_tool: list[bool]  # per scored task: answered by a tool (confidence: the embedder's score, no log-probs)


def chat_messages(department: Department, task: str) -> list[BaseMessage]:
    """A single task as the department node sends it on a fresh thread."""
    return [SystemMessage(department.system_prompt), HumanMessage(department.prepare_task(task))]


def measure(chat_model: LocalChatModel, department: Department, tasks: list[dict[str, Any]],
            metric: RewardFunction, settings: Settings,
            on_task: Callable[[], None] | None = None, tool_selector: ToolSelector | None = None) -> Measurement:
    answers, confidences, logprobs, tokens_in, by_tool = [], [], [], [], []
    for task in tasks:
        tools = LocalToolTurn()
        if tool_selector is not None and tool_selector.has_tools(department.name):
            tools = run_local_tools(chat_model, tool_selector, department, task["prompt"], sensitive=False,
                                    pick=settings.tool_pick)
        if tools.answer is not None:  # answered by a tool, as the graph would: no model tokens
            answers.append(tools.answer)
            confidences.append(tools.confidence or 0.0)
            logprobs.append([])
            tokens_in.append(0)
            by_tool.append(True)
            if on_task:
                on_task()
            continue
        messages = chat_messages(department, tools.task_for_model(task["prompt"]))
        options = {"max_new_tokens": settings.max_new_tokens, "department": department.name}  # its adapter, as chat
        reply = chat_model.invoke(messages, **options)
        values = [lp["logprob"] for lp in reply.response_metadata.get("logprobs", [])]
        confidence = answer_confidence(reply.response_metadata.get("logprobs", []), settings)
        if settings.agreement_samples:
            confidence = combined_confidence(confidence, sampled_agreement(
                chat_model, messages, reply.text, settings.agreement_samples, **options))
        answers.append(department.finish_answer(reply.text))
        confidences.append(confidence or 0.0)
        logprobs.append(values)
        tokens_in.append((reply.usage_metadata or {}).get("input_tokens", 0))
        by_tool.append(False)
        if on_task:
            on_task()
    scores = metric(answers, **task_columns(tasks))
    kept = [i for i, s in enumerate(scores) if s is not None]
    return Measurement(confidences=[confidences[i] for i in kept], correct=[scores[i] >= FULL_MARKS for i in kept],
                       logprobs=[logprobs[i] for i in kept], input_tokens=[tokens_in[i] for i in kept],
                       by_tool=[by_tool[i] for i in kept])
