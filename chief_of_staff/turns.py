"""One turn of conversation through the graph: stream tokens to a callback, return the answer and trace.

Ctrl-C (KeyboardInterrupt) during generation keeps the thread consistent: the partial answer is recorded
as the assistant's turn, marked as stopped, so the thread still alternates user / assistant.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage

from chief_of_staff.context import Context
from chief_of_staff.errors import EmptyTaskError

STOPPED_MARK = " [stopped]"


@dataclass
class TurnResult:
    thread_id: str
    text: str
    answer: str
    trace: dict[str, Any] = field(default_factory=dict)
    stopped: bool = False


def run_turn(
    graph,
    context: Context,
    thread_id: str,
    text: str,
    on_token: Callable[[str], None] | None = None,
    on_escalation: Callable[[dict[str, Any]], None] | None = None,
) -> TurnResult:
    """Answer `text` on `thread_id`; `on_token` receives each streamed piece of the answer (the local model's,
    then Claude's when the turn escalates); `on_escalation` hears {tier, model, reason} before Claude starts."""
    if not text.strip():
        raise EmptyTaskError("the task is empty: type what you need done")
    config = {"configurable": {"thread_id": thread_id}}
    pieces: list[str] = []
    final: dict[str, Any] = {}
    started = time.time()
    try:
        for mode, chunk in graph.stream(
            {"messages": [HumanMessage(text)]}, config, context=context,
            stream_mode=["messages", "values", "custom"],
        ):
            if mode == "custom":
                if "escalating" in chunk:
                    pieces.clear()  # from here the answer is Claude's
                    if on_escalation:
                        on_escalation(chunk["escalating"])
                elif "cloud_token" in chunk:
                    pieces.append(chunk["cloud_token"])
                    if on_token:
                        on_token(chunk["cloud_token"])
            elif mode == "messages":
                message, metadata = chunk
                if isinstance(message, AIMessageChunk) and metadata.get("langgraph_node") == "department":
                    if message.text:
                        pieces.append(message.text)
                        if on_token:
                            on_token(message.text)
            else:
                final = chunk
    except KeyboardInterrupt:
        return _record_stopped_turn(graph, config, thread_id, text, "".join(pieces), started)
    return TurnResult(thread_id, text, final["messages"][-1].text, final.get("trace", {}))


def _record_stopped_turn(graph, config: dict, thread_id: str, text: str, partial: str, started: float) -> TurnResult:
    state = graph.get_state(config).values
    messages = state.get("messages", [])
    if messages and messages[-1].type == "human":  # the interrupted answer never reached the thread
        answer = AIMessage(partial + STOPPED_MARK, name=state.get("department", ""))
        trace = {
            "department": state.get("department", ""),
            "route_score": state.get("route_score", 0.0),
            "latency_s": round(time.time() - started, 3),
            "finish_reason": "stopped",
            "notices": ["Generation stopped by the user (Ctrl-C)."],
        }
        graph.update_state(config, {"messages": [answer], "trace": trace}, as_node="respond")
        return TurnResult(thread_id, text, answer.text, trace, stopped=True)
    return TurnResult(thread_id, text, partial + STOPPED_MARK, state.get("trace", {}), stopped=True)
