"""A department's tools on an escalated turn: Claude calls them through the Messages API's tool use.

Claude gets the department's tools as Messages-API tool definitions (name, description, the arguments' JSON schema).
When it stops to call some, they run here, on this machine, through the same bounded ToolRunner as the local agent
(at most MAX_CALLS calls a turn, a time limit each, errors returned as observations), and their results go back as
`tool_result` blocks; the last request allowed forbids further calls, so a turn makes at most MAX_CALLS + 1
requests. Before each request after the first, `before_follow_up` is told its size (escalate.py reserves its cost
in the ledger, and may refuse). Every request passes the client's sensitive-data guard, tool results included. The
usage of all requests is summed, and a failure mid-way carries what the earlier requests used, so the ledger
charges all of it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from langchain_core.tools import BaseTool

from chief_of_staff.errors import CloudError, SensitiveDataBlockedError
from chief_of_staff.escalation.ledger import BudgetExceededError
from chief_of_staff.models.cloud_usage import ClaudeUsage
from chief_of_staff.tools.runner import MAX_CALLS, ToolRunner

RESULT_MAX_BYTES = 2000  # a tool result sent to Claude is cut to this
NO_MORE_CALLS = {"type": "none"}  # tool_choice of the last request allowed: answer now


def anthropic_tool(tool: BaseTool) -> dict[str, Any]:
    """A langchain-core tool as a Messages-API tool definition."""
    return {"name": tool.name, "description": tool.description,
            "input_schema": tool.tool_call_schema.model_json_schema()}


def tool_definitions(tools: list[BaseTool]) -> list[dict[str, Any]]:
    return [anthropic_tool(tool) for tool in tools]


def definitions_bytes(tools: list[BaseTool]) -> int:
    """What the tool definitions add to every request, in UTF-8 bytes (a bound on their tokens)."""
    return len(json.dumps(tool_definitions(tools)).encode()) if tools else 0


def requests_per_turn(tools: list[BaseTool]) -> int:
    """The most requests one escalated turn can make: one, or one per allowed tool call and a last one."""
    return MAX_CALLS + 1 if tools else 1


def _cut(text: str) -> str:
    data = text.encode()
    return text if len(data) <= RESULT_MAX_BYTES else data[:RESULT_MAX_BYTES].decode(errors="ignore") + " [cut]"


def complete_with_tools(client: Any, runner: ToolRunner, tools: list[BaseTool], *, model: str, system: str,
                        messages: list[dict[str, Any]], max_tokens: int, sensitive_thread: bool,
                        on_text: Callable[[str], None] | None = None,
                        before_follow_up: Callable[[int], None] | None = None) -> Any:
    """Claude's answer (a models.claude.ClaudeReply) after running the tools it calls; with no tools, one request.
    Calls land in `runner.runs`, chosen by Claude."""
    conversation = list(messages)
    definitions = tool_definitions(tools) or None
    usage, texts = ClaudeUsage(), []

    def stream_text(text: str) -> None:
        if on_text is not None:
            if texts and not streamed[0]:  # a new request's first text: keep the paragraphs apart
                on_text("\n\n")
            on_text(text)
        streamed[0] = True

    for request in range(requests_per_turn(tools)):
        streamed = [False]
        last = request == requests_per_turn(tools) - 1 or runner.exhausted
        try:
            if request and before_follow_up is not None:
                before_follow_up(len(json.dumps([system, conversation, definitions]).encode()))
            reply = client.complete(model=model, system=system, messages=conversation, max_tokens=max_tokens,
                                    sensitive_thread=sensitive_thread, on_text=stream_text, tools=definitions,
                                    tool_choice=NO_MORE_CALLS if definitions and last else None)
        except (CloudError, SensitiveDataBlockedError, BudgetExceededError) as err:
            err.usage = usage.plus(getattr(err, "usage", None))  # what earlier requests used is billed too
            raise
        usage = usage.plus(reply.usage)
        if reply.text:
            texts.append(reply.text)
        if last or not reply.tool_uses:
            break
        results = []
        for use in reply.tool_uses:
            run = runner.call(use["name"], use["input"], chosen_by=f"Claude ({reply.model})")
            results.append({"type": "tool_result", "tool_use_id": use["id"], "content": _cut(run.observation),
                            **({"is_error": True} if run.error else {})})
        conversation += [{"role": "assistant", "content": list(reply.content)}, {"role": "user", "content": results}]
    return replace(reply, text="\n\n".join(texts), usage=usage)
