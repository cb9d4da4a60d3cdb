"""The Chief of Staff graph: route -> assess -> <department> -> decide -> [escalate] -> respond, top to bottom.

    route         scores the task against every department (or takes `--department`)
    assess        sensitivity (sticky for the thread) and criticality, from the user's task only
    <department>  one node per department (security, content, finance, general and every plugin): the
                  department's agent. It first tries its tools (tools/local_agent.py): when one fits, the answer
                  is the computed figure and how it was computed. Otherwise it answers on the local model with the
                  department's system prompt, its TinyLoRA adapter when it has one, and the thread's history, and
                  measures the answer's confidence from its log-probs
    decide        the pure tier policy (escalation/policy.py): tier, model and reasons; every department joins here
    escalate      only for a cloud tier: Claude streams the answer, replacing the local one, and may call the
                  department's tools (run here, tools/claude_agent.py); any failure keeps the local answer,
                  marked with what would have happened
    respond       writes the trace and records the answer in the spend ledger

The answer's model call is tagged ANSWER_TAG, and the tool-choice call is never streamed, so a client streams
the answer by its tag, whatever the department node is called. Threads persist through whatever checkpointer is
passed to `build_graph` (SqliteSaver in the CLI).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import asdict
from typing import Literal

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from langgraph.config import get_stream_writer
from langgraph.constants import TAG_NOSTREAM
from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime
from langgraph.types import Checkpointer

from chief_of_staff.context import Context
from chief_of_staff.context_budget import fit_prompt
from chief_of_staff.errors import EmptyTaskError, TurnCancelled, UnknownDepartmentError
from chief_of_staff.escalation import escalate as cloud
from chief_of_staff.escalation.confidence import combined_confidence
from chief_of_staff.escalation.policy import Decision, Tier
from chief_of_staff.plugins.manifest import Department
from chief_of_staff.settings import Settings
from chief_of_staff.state import ChiefOfStaffState
from chief_of_staff.tools.local_agent import LocalToolTurn, run_local_tools
from chief_of_staff.tools.runner import ToolRunner
from chief_of_staff.trace import SensitiveTrace, Trace

ANSWER_TAG = "cos:answer"  # the model call whose tokens are the answer (turns.py streams by it)
FIXED_NODES = ("route", "assess", "decide", "escalate", "respond")
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
        return {"department": ctx.forced_department, "route_score": 1.0, **_fresh_turn()}
    verdict = ctx.router.route(task[:ROUTING_PREFIX_CHARS])
    return {"department": verdict.department, "route_score": verdict.score, **_fresh_turn()}


def _fresh_turn() -> dict:
    """Per-turn keys reset, so nothing of the previous turn's decision is read for this one."""
    return {"started_at": time.time(), "notices": [], "decision": {}, "cloud": {}, "confidence": None,
            "critical_reasons": [], "tools": []}


def assess(state: ChiefOfStaffState, runtime: Runtime[Context]) -> dict:
    ctx = runtime.context
    task, _ = _current_task(state)
    settings = ctx.escalation.settings if ctx.escalation else None
    kinds, reasons = cloud.assess(
        task, ctx.departments[state["department"]], state.get("sensitive_kinds", []), ctx.private, ctx.critical,
        settings.critical_amount if settings else Settings.model_fields["critical_amount"].default,
    )
    return {"sensitive_kinds": kinds, "critical_reasons": reasons}


def answer_in_department(state: ChiefOfStaffState, runtime: Runtime[Context]) -> dict:
    ctx = runtime.context
    department = ctx.departments[state["department"]]
    task, history = _current_task(state)
    model = ctx.chat_model
    adapter = None
    # Ctrl-C stops it early; llama.cpp applies the adapter of the department named (None: no adapter)
    options = {"cancelled": ctx.cancelled, "max_new_tokens": ctx.max_new_tokens,
               "department": department.name if ctx.use_adapter else None}
    if ctx.adapters is not None:  # transformers: the bank on the shared model (turns run one at a time)
        has_adapter = ctx.use_adapter and department.name in ctx.adapters.adapters
        ctx.adapters.activate(department.name if has_adapter else None)
        if has_adapter:
            adapter = {"department": department.name, "params": ctx.adapters.adapters[department.name].parameters}
    elif ctx.use_adapter and department.name in getattr(model, "adapters", {}):
        adapter = {"department": department.name, "params": model.adapters[department.name].params}
    tools = _use_tools(ctx, department, task, bool(state.get("sensitive_kinds")), options)
    if tools.answer is not None:
        get_stream_writer()({"answer_text": tools.answer})
        answer = AIMessage(content=tools.answer, name=department.name,
                           response_metadata={"model_name": model.model_name, "backend": model._llm_type,
                                              "finish_reason": "stop"},
                           usage_metadata={"input_tokens": 0, "output_tokens": 0, "total_tokens": 0})
        return {"messages": [answer], "adapter": None, "confidence": tools.confidence,
                "prompt_bytes": _cloud_bytes(department, task, history, ctx.history_turns),
                "tools": [r.as_dict() for r in tools.runs]}
    task = tools.task_for_model(task)  # a tool was tried and failed: the model answers, told what happened
    prompt = fit_prompt(
        department.system_prompt,
        history[-ctx.history_turns:] if ctx.history_turns else [],
        department.prepare_task(task),
        context_window=model.context_window,
        reserve_for_answer=ctx.max_new_tokens,
        count_tokens=model.count_tokens,
        truncate_to_tokens=model.truncate_to_tokens,
    )
    reply = model.invoke(prompt.messages, config={"tags": [ANSWER_TAG]}, **options)
    answer = AIMessage(
        content=department.finish_answer(reply.text),
        name=department.name,
        response_metadata=reply.response_metadata,
        usage_metadata=reply.usage_metadata,
    )
    settings = ctx.escalation.settings if ctx.escalation else None
    confidence = None
    if settings is not None:
        confidence = cloud.answer_confidence(reply.response_metadata.get("logprobs", []), settings)
        undecided = not state.get("sensitive_kinds") and not state.get("critical_reasons")
        if settings.agreement_samples and undecided and (confidence or 0.0) >= ctx.escalation.threshold(department):
            # only where agreement can change the tier: it can only lower the confidence, and sensitive and
            # critical tasks are decided already
            confidence = combined_confidence(confidence, cloud.sampled_agreement(
                model, prompt.messages, reply.text, settings.agreement_samples, **options))
    cloud_bytes = _cloud_bytes(department, task, history, ctx.history_turns)
    notices = prompt.notices + ([ctx.adapter_notes[department.name]]
                                if adapter is None and ctx.use_adapter and department.name in ctx.adapter_notes
                                else [])
    return {"messages": [answer], "notices": state.get("notices", []) + notices, "adapter": adapter,
            "confidence": confidence, "prompt_bytes": cloud_bytes, "tools": [r.as_dict() for r in tools.runs]}


def _use_tools(ctx: Context, department: Department, task: str, sensitive: bool, options: dict) -> LocalToolTurn:
    if ctx.tool_selector is None or not ctx.tool_selector.has_tools(department.name):
        return LocalToolTurn()
    return run_local_tools(ctx.chat_model, ctx.tool_selector, department, task, sensitive=sensitive,
                           pick=ctx.tool_pick, config={"tags": [TAG_NOSTREAM]}, cancelled=ctx.cancelled)


def _cloud_bytes(department: Department, task: str, history: list[BaseMessage], turns: int) -> int:
    """UTF-8 size of what a cloud call would send: system prompt, task and the history kept."""
    kept = history[-turns:] if turns else []
    return sum(len(text.encode()) for text in [department.system_prompt, task, *(m.text for m in kept)])


def department_node(name: str) -> Callable[[ChiefOfStaffState, Runtime[Context]], dict]:
    """The graph node of one department: its agent (answer_in_department)."""

    def answer(state: ChiefOfStaffState, runtime: Runtime[Context]) -> dict:
        return answer_in_department(state, runtime)

    answer.__name__ = f"answer_in_{name}"
    return answer


def node_name(department: str) -> str:
    """The department's node: its own name, unless that is one of the graph's fixed nodes."""
    return f"{department}_department" if department in FIXED_NODES else department


def decide(state: ChiefOfStaffState, runtime: Runtime[Context]) -> dict:
    ctx = runtime.context
    decision = cloud.decide_tier(ctx.escalation, ctx.departments[state["department"]], state.get("confidence"),
                                 state.get("sensitive_kinds", []), state.get("critical_reasons", []),
                                 state.get("prompt_bytes", 0))
    return {"decision": {**asdict(decision), "tier": int(decision.tier)}, "cloud": {}}


def route_after_decision(state: ChiefOfStaffState) -> Literal["escalate", "respond"]:
    return "escalate" if Tier(state["decision"]["tier"]).is_cloud else "respond"


def _cloud_messages(history: list[BaseMessage], task: str, turns: int) -> list[dict[str, str]]:
    """The thread as Messages-API turns: user first, roles alternating (same-role neighbours joined)."""
    turns_kept = history[-turns:] if turns else []
    out: list[dict[str, str]] = []
    for message in [*turns_kept, HumanMessage(task)]:
        role = "user" if isinstance(message, HumanMessage) else "assistant"
        if out and out[-1]["role"] == role:
            out[-1]["content"] += "\n\n" + message.text
        elif out or role == "user":
            out.append({"role": role, "content": message.text})
    return out


def escalate(state: ChiefOfStaffState, runtime: Runtime[Context]) -> dict:
    ctx = runtime.context
    department = ctx.departments[state["department"]]
    task, history = _current_task(state)
    local = state["messages"][-1]
    decision = Decision(**{**state["decision"], "tier": Tier(state["decision"]["tier"]),
                                 "reasons": tuple(state["decision"]["reasons"])})
    write = get_stream_writer()
    streamed = []

    def on_text(text: str) -> None:
        if ctx.cancelled.is_set():  # Ctrl-C reached the main thread: stop paying for tokens nobody will read
            raise TurnCancelled("stopped by the user while Claude was answering")
        streamed.append(text)
        write({"cloud_token": text})

    sensitive = bool(state.get("sensitive_kinds"))
    runner = ToolRunner(department.tools, sensitive=sensitive)  # Claude calls the department's tools here
    outcome = cloud.escalate(
        ctx.escalation, decision, department, department.system_prompt,
        _cloud_messages(history, task, ctx.history_turns), state.get("prompt_bytes", 0),
        sensitive_thread=sensitive, on_text=on_text, runner=runner,
        on_start=lambda: write({"escalating": {"tier": int(decision.tier), "model": decision.model,
                                               "reason": decision.reasons[0]}}),
    )
    update: dict = {"tools": state.get("tools", []) + [r.as_dict() for r in runner.runs],
                    "cloud": {"cost_usd": outcome.cost_usd, "usage": outcome.usage, "note": outcome.note,
                              "answered": outcome.text is not None, "blocked": bool(outcome.blocked_kinds),
                              "streamed": bool(streamed)}}
    if outcome.blocked_kinds:  # the client's guard saw what the detector missed: the thread is sensitive now
        update["sensitive_kinds"] = sorted(set(state.get("sensitive_kinds", [])) | set(outcome.blocked_kinds))
    if outcome.text is not None:
        update["messages"] = [AIMessage(
            id=local.id, content=outcome.text, name=department.name,
            response_metadata={"model_name": outcome.model or decision.model, "backend": "anthropic",
                               "finish_reason": "stop"},
            usage_metadata={"input_tokens": outcome.usage.get("input_tokens", 0),
                            "output_tokens": outcome.usage.get("output_tokens", 0),
                            "total_tokens": outcome.usage.get("input_tokens", 0)
                            + outcome.usage.get("output_tokens", 0)},
        )]
    return update


def respond(state: ChiefOfStaffState, runtime: Runtime[Context]) -> dict:
    ctx = runtime.context
    answer = state["messages"][-1]
    metadata = answer.response_metadata
    usage = answer.usage_metadata or {}
    decision, outcome = state.get("decision", {}), state.get("cloud", {})
    tier = Tier(decision.get("tier", 1))
    answered_by_cloud = bool(outcome.get("answered"))
    if tier.is_cloud and not answered_by_cloud:
        tier = Tier.SENSITIVE_LOCAL if outcome.get("blocked") else Tier.LOCAL
    notices = list(state.get("notices", []))
    if decision.get("warning"):
        notices.append(decision["warning"])
    if outcome.get("note"):
        notices.append(outcome["note"])
    department = ctx.departments[state["department"]]
    threshold = cloud.threshold_for(ctx.escalation, department)
    trace = Trace(
        department=state["department"],
        route_score=state["route_score"],
        model=metadata.get("model_name", ""),
        backend=metadata.get("backend", ""),
        adapter=state.get("adapter"),
        tokens_in=usage.get("input_tokens", 0),
        tokens_out=usage.get("output_tokens", 0),
        latency_s=round(time.time() - state["started_at"], 3),
        finish_reason=metadata.get("finish_reason", ""),
        tier=int(tier),
        escalated_to=(metadata.get("model_name") or decision.get("model")) if answered_by_cloud else None,
        escalation_started=bool(outcome.get("streamed")),  # Claude's text reached the user, answered or not
        confidence=None if state.get("confidence") is None else round(state["confidence"], 4),
        threshold=round(threshold, 4),
        critical=bool(state.get("critical_reasons")),
        sensitive=SensitiveTrace(sensitive=bool(state.get("sensitive_kinds")),
                                 kinds=state.get("sensitive_kinds", [])),
        cost_usd=round(outcome.get("cost_usd", 0.0), 6),
        reasons=list(decision.get("reasons", [])),
        notices=notices,
        tools=state.get("tools", []),
    ).as_dict()
    ledger = ctx.escalation.ledger if ctx.escalation else None
    if ledger is not None and not answered_by_cloud:  # a cloud answer was settled by escalate
        ledger.record_local(tier if tier == Tier.SENSITIVE_LOCAL else Tier.LOCAL, department.name,
                            trace["model"] or "local",
                            cloud.sonnet_equivalent(ctx.escalation, trace["tokens_in"], trace["tokens_out"]),
                            trace["tokens_in"], trace["tokens_out"])
    return {"trace": trace, "traces": {answer.id: trace}}


def route_to_department(state: ChiefOfStaffState) -> str:
    return node_name(state["department"])


def _discovered_departments() -> list[str]:
    from chief_of_staff.plugins.discovery import discover_departments
    from chief_of_staff.settings import load_settings

    return list(discover_departments(load_settings()).departments)


def build_graph(checkpointer: Checkpointer = None, departments: Iterable[str] | None = None):
    """The compiled Chief of Staff graph, with a node for each of `departments` (default: every department
    discovered with the current settings); pass a checkpointer to keep threads."""
    names = list(departments) if departments is not None else _discovered_departments()
    builder = StateGraph(ChiefOfStaffState, context_schema=Context)
    builder.add_node("route", route)
    builder.add_node("assess", assess)
    for name in names:
        builder.add_node(node_name(name), department_node(name))
        builder.add_edge(node_name(name), "decide")
    builder.add_node("decide", decide)
    builder.add_node("escalate", escalate)
    builder.add_node("respond", respond)
    builder.add_edge(START, "route")
    builder.add_edge("route", "assess")
    builder.add_conditional_edges("assess", route_to_department, {node_name(n): node_name(n) for n in names})
    builder.add_conditional_edges("decide", route_after_decision)
    builder.add_edge("escalate", "respond")
    builder.add_edge("respond", END)
    return builder.compile(checkpointer=checkpointer)
