"""One turn of conversation through the graph: stream tokens to a callback, return the answer and trace.

Ctrl-C (KeyboardInterrupt) during generation keeps the thread consistent: the partial answer is recorded
as the assistant's turn, marked as stopped, so the thread still alternates user / assistant.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage

from chief_of_staff.context import Context
from chief_of_staff.errors import EmptyTaskError
from chief_of_staff.graph import ANSWER_TAG
from chief_of_staff.trace import Trace

STOPPED_MARK = " [stopped]"
log = logging.getLogger(__name__)


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
    context.cancelled.clear()
    pieces: list[str] = []
    final: dict[str, Any] = {}
    started = time.time()
    # durability="sync": each step's checkpoint is written before the next step runs, so after a Ctrl-C nothing
    # written in the background can land after the stopped turn is recorded.
    stream = graph.stream({"messages": [HumanMessage(text)]}, config, context=context,
                          stream_mode=["messages", "values", "custom"], durability="sync")
    try:
        for mode, chunk in stream:
            if mode == "custom":
                if "escalating" in chunk:
                    pieces.clear()  # from here the answer is Claude's
                    if on_escalation:
                        on_escalation(chunk["escalating"])
                elif "cloud_token" in chunk or "answer_text" in chunk:  # Claude's tokens; a tool-built answer
                    piece = chunk.get("cloud_token") or chunk["answer_text"]
                    pieces.append(piece)
                    if on_token:
                        on_token(piece)
            elif mode == "messages":
                message, metadata = chunk
                if isinstance(message, AIMessageChunk) and ANSWER_TAG in metadata.get("tags", ()):
                    if message.text:
                        pieces.append(message.text)
                        if on_token:
                            on_token(message.text)
            else:
                final = chunk
    except KeyboardInterrupt:
        context.cancelled.set()  # nodes run in LangGraph's worker threads: tell them to stop early
        _close(stream)  # waits for the running node, commits its write and ends the run: nothing lands later
        return _record_stopped_turn(graph, config, thread_id, text, "".join(pieces), started)
    return TurnResult(thread_id, text, final["messages"][-1].text, final.get("trace", {}))


def _close(stream) -> None:
    try:
        stream.close()
    except Exception:  # noqa: BLE001 - a node that failed while stopping: the thread is read back as it is
        log.warning("the stopped turn's last node failed", exc_info=True)


def _stopped_trace(state: dict[str, Any], started: float, notice: str, **more: Any) -> dict[str, Any]:
    return Trace(department=state.get("department", ""), route_score=state.get("route_score", 0.0),
                 latency_s=round(time.time() - started, 3), finish_reason="stopped", notices=[notice],
                 tools=state.get("tools", []), **more).as_dict()


def _record_stopped_turn(graph, config: dict, thread_id: str, text: str, partial: str, started: float) -> TurnResult:
    state = graph.get_state(config).values
    messages = state.get("messages", [])
    if messages and messages[-1].type == "human":  # the interrupted answer never reached the thread
        answer = AIMessage(partial + STOPPED_MARK, name=state.get("department", ""), id=str(uuid.uuid4()))
        trace = _stopped_trace(state, started, "Generation stopped by the user (Ctrl-C, Stop, or the client left).")
        graph.update_state(config, {"messages": [answer], "trace": trace, "traces": {answer.id: trace}},
                           as_node="respond")
        return TurnResult(thread_id, text, answer.text, trace, stopped=True)
    # The answer reached the thread (the node finished, or stopped early, after the Ctrl-C): keep it, marked if it
    # was cut short, with a trace saying what stands, never an earlier turn's trace or a half-done escalation.
    # get_state shows the writes of nodes that finished after the last checkpoint; update_state starts from that
    # checkpoint, so those writes are written again here (the answer, and a sensitivity the guard found).
    last = messages[-1]
    if last.response_metadata.get("finish_reason") == "stopped" and not last.text.endswith(STOPPED_MARK):
        last = AIMessage(id=last.id, content=last.text + STOPPED_MARK, name=last.name,
                         response_metadata=last.response_metadata, usage_metadata=last.usage_metadata)
    cloud, decision = state.get("cloud", {}), state.get("decision", {})
    tier = decision.get("tier", 1) if cloud.get("answered") else (4 if state.get("sensitive_kinds") else 1)
    trace = _stopped_trace(state, started, "Stopped by the user (Ctrl-C, Stop, or the client left); the thread "
                           "keeps the answer as it stood.",
                           tier=tier, cost_usd=round(cloud.get("cost_usd", 0.0), 6),
                           reasons=list(decision.get("reasons", [])))
    graph.update_state(config, {"messages": [last], "trace": trace, "traces": {last.id: trace}, "cloud": cloud,
                                "sensitive_kinds": state.get("sensitive_kinds", [])}, as_node="respond")
    return TurnResult(thread_id, text, last.text, trace, stopped=True)
