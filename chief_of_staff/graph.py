"""The Chief of Staff graph: route -> department -> respond, read top to bottom.

    route       scores the task against every department (or takes `--department`)
    department  answers on the local model with the department's system prompt, its TinyLoRA adapter when it
                has one, and the thread's history
    respond     writes the trace: department, route score, model, backend, adapter, tokens in/out, latency

Threads persist through whatever checkpointer is passed to `build_graph` (SqliteSaver in the CLI).
"""

from __future__ import annotations

import time

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime
from langgraph.types import Checkpointer

from chief_of_staff.context import Context
from chief_of_staff.context_budget import fit_prompt
from chief_of_staff.errors import EmptyTaskError, UnknownDepartmentError
from chief_of_staff.state import ChiefOfStaffState

ROUTING_PREFIX_CHARS = 4000  # a 100 KB task is routed on its opening, as a person would skim it


def _current_task(state: ChiefOfStaffState) -> tuple[str, list[BaseMessage]]:
    """The last human message's text and the messages before it."""
    messages = state.get("messages", [])
    for i in range(len(messages) - 1, -1, -1):
        if isinstance(messages[i], HumanMessage):
            return messages[i].text, messages[:i]
    raise EmptyTaskError("no task: send a message with some text")


def route(state: ChiefOfStaffState, runtime: Runtime[Context]) -> dict:
    task, _ = _current_task(state)
    if not task.strip():
        raise EmptyTaskError("the task is empty: type what you need done")
    ctx = runtime.context
    if ctx.forced_department:
        if ctx.forced_department not in ctx.departments:
            raise UnknownDepartmentError.naming(ctx.forced_department, ctx.departments)
        return {"department": ctx.forced_department, "route_score": 1.0, "started_at": time.time(), "notices": []}
    verdict = ctx.router.route(task[:ROUTING_PREFIX_CHARS])
    return {"department": verdict.department, "route_score": verdict.score, "started_at": time.time(), "notices": []}


def answer_in_department(state: ChiefOfStaffState, runtime: Runtime[Context]) -> dict:
    ctx = runtime.context
    department = ctx.departments[state["department"]]
    task, history = _current_task(state)
    model = ctx.chat_model
    adapter = None
    if ctx.adapters is not None:
        has_adapter = department.name in ctx.adapters.adapters
        ctx.adapters.activate(department.name if has_adapter else None)
        if has_adapter:
            adapter = {"department": department.name, "params": ctx.adapters.adapters[department.name].parameters}
    prompt = fit_prompt(
        department.system_prompt,
        history[-ctx.history_turns:] if ctx.history_turns else [],
        department.prepare_task(task),
        context_window=model.context_window,
        reserve_for_answer=ctx.max_new_tokens,
        count_tokens=model.count_tokens,
        truncate_to_tokens=model.truncate_to_tokens,
    )
    reply = model.invoke(prompt.messages)
    answer = AIMessage(
        content=department.finish_answer(reply.text),
        name=department.name,
        response_metadata=reply.response_metadata,
        usage_metadata=reply.usage_metadata,
    )
    return {"messages": [answer], "notices": state.get("notices", []) + prompt.notices, "adapter": adapter}


def respond(state: ChiefOfStaffState, runtime: Runtime[Context]) -> dict:
    answer = state["messages"][-1]
    metadata = answer.response_metadata
    usage = answer.usage_metadata or {}
    trace = {
        "department": state["department"],
        "route_score": state["route_score"],
        "model": metadata.get("model_name", ""),
        "backend": metadata.get("backend", ""),
        "adapter": state.get("adapter"),
        "tokens_in": usage.get("input_tokens", 0),
        "tokens_out": usage.get("output_tokens", 0),
        "latency_s": round(time.time() - state["started_at"], 3),
        "finish_reason": metadata.get("finish_reason", ""),
        "notices": state.get("notices", []),
    }
    return {"trace": trace}


def build_graph(checkpointer: Checkpointer = None):
    """The compiled Chief of Staff graph; pass a checkpointer to keep threads."""
    builder = StateGraph(ChiefOfStaffState, context_schema=Context)
    builder.add_node("route", route)
    builder.add_node("department", answer_in_department)
    builder.add_node("respond", respond)
    builder.add_edge(START, "route")
    builder.add_edge("route", "department")
    builder.add_edge("department", "respond")
    builder.add_edge("respond", END)
    return builder.compile(checkpointer=checkpointer)
