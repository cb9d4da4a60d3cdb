"""The Chief of Staff graph's state: what one thread remembers between turns."""

from __future__ import annotations

from typing import Annotated, Any, TypedDict

from langchain_core.messages import AnyMessage
from langgraph.graph.message import add_messages


class ChiefOfStaffState(TypedDict, total=False):
    """Reducers: `messages` appends (add_messages); every other key is replaced by the last write."""

    messages: Annotated[list[AnyMessage], add_messages]  # the whole conversation of the thread
    department: str  # who handles the current task
    route_score: float  # the router's score for that department, 0..1
    started_at: float  # wall-clock time.time() when the turn began, for latency
    adapter: dict[str, Any] | None  # the department's adapter used for this answer: {department, params}
    notices: list[str]  # things the user must know about this turn (e.g. a truncated task)
    trace: dict[str, Any]  # the last answer's trace (see graph.respond)
