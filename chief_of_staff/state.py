"""The Chief of Staff graph's state: what one thread remembers between turns."""

from __future__ import annotations

from typing import Annotated, Any

from langchain_core.messages import AnyMessage
from langgraph.graph.message import add_messages
from typing_extensions import TypedDict  # not typing's: LangGraph Server's JSON schema (pydantic) needs it below 3.12


def merge_traces(left: dict[str, dict[str, Any]] | None, right: dict[str, dict[str, Any]] | None) -> dict:
    """Later writes win, per answer: a stopped turn's trace replaces the one its answer had."""
    return {**(left or {}), **(right or {})}


class ChiefOfStaffState(TypedDict, total=False):
    """Reducers: `messages` appends (add_messages), `traces` merges; every other key is replaced by the last
    write."""

    messages: Annotated[list[AnyMessage], add_messages]  # the whole conversation of the thread
    department: str  # who handles the current task
    route_score: float  # the router's score for that department, 0..1
    started_at: float  # wall-clock time.time() when the turn began, for latency
    adapter: dict[str, Any] | None  # the department's adapter used for this answer: {department, params}
    notices: list[str]  # things the user must know about this turn (e.g. a truncated task)
    sensitive_kinds: list[str]  # why the thread is sensitive (kinds, never values); once set, never cleared
    critical_reasons: list[str]  # why the current task is critical; empty when it is not
    confidence: float | None  # the local answer's confidence, 0..1
    prompt_bytes: int  # UTF-8 size of what a cloud call would send (system prompt, history, task)
    decision: dict[str, Any]  # the tier policy's Decision for the current task
    cloud: dict[str, Any]  # the cloud call: cost_usd, usage, note (why the local answer stands)
    tools: list[dict[str, Any]]  # this turn's tool calls: name, arguments, result or error, seconds
    trace: dict[str, Any]  # the last answer's trace (see graph.respond)
    traces: Annotated[dict[str, dict[str, Any]], merge_traces]  # every answer's trace, by its message id
