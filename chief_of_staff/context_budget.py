"""Fitting a conversation into the model's context window: pure functions, no model calls.

The budget for the prompt is the context window minus the tokens reserved for the answer. The system
prompt always goes in; the current task is truncated when it alone does not fit (with a notice the user
sees); earlier turns are added newest first while they fit whole.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage

from chief_of_staff.errors import ConfigError

TEMPLATE_TOKENS_PER_MESSAGE = 8  # chat-template markers around each message (SmolLM2 uses 5)


@dataclass
class FittedPrompt:
    messages: list[BaseMessage]
    notices: list[str] = field(default_factory=list)


def fit_prompt(
    system_prompt: str,
    history: list[BaseMessage],
    task: str,
    *,
    context_window: int,
    reserve_for_answer: int,
    count_tokens: Callable[[str], int],
    truncate_to_tokens: Callable[[str, int], str],
) -> FittedPrompt:
    """[system, *recent history that fits, task (truncated if needed)] and the notices to show."""
    budget = context_window - reserve_for_answer - count_tokens(system_prompt) - 2 * TEMPLATE_TOKENS_PER_MESSAGE
    if budget < 16:
        raise ConfigError(
            f"the context window ({context_window} tokens) cannot hold the system prompt and a "
            f"{reserve_for_answer}-token answer; lower COS_MAX_NEW_TOKENS"
        )
    notices = []
    task_tokens = count_tokens(task)
    if task_tokens > budget:
        task = truncate_to_tokens(task, budget)
        notices.append(
            f"The task was {task_tokens:,} tokens; only its first {budget:,} fit the model's context "
            f"({context_window:,} tokens), so the rest was not read."
        )
        task_tokens = budget
    remaining = budget - task_tokens
    kept: list[BaseMessage] = []
    for message in reversed(history):
        cost = count_tokens(message.text) + TEMPLATE_TOKENS_PER_MESSAGE
        if cost > remaining:
            break
        kept.insert(0, message)
        remaining -= cost
    return FittedPrompt([SystemMessage(system_prompt), *kept, HumanMessage(task)], notices)
