"""A department's agent on the local model: choose a tool call, run it, answer from its result.

The embedder proposes the tools that fit the task (tools/selection.py); every call those tools could make from the
task's own numbers and dates is a candidate (tools/calls.py); when there is more than one, the local model picks
one under a JSON-schema constraint whose only values are those candidates, so it can pick wrongly but cannot emit a
malformed call. A model served with native tool calling (Ollama's, for models whose capabilities include "tools")
gets the best tools instead and fills their arguments itself; the runner checks them against each tool's schema.
The answer states the computed figure and how it was computed. When no tool fits, or the call
fails, the department answers as before, told what the tool said (an observation, never a crash).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from langchain_core.messages import HumanMessage, SystemMessage

from chief_of_staff.models.base import LocalChatModel
from chief_of_staff.plugins.manifest import Department
from chief_of_staff.tools.calls import ToolCall, candidate_calls
from chief_of_staff.tools.contract import applies_to
from chief_of_staff.tools.runner import ToolRun, ToolRunner
from chief_of_staff.tools.selection import ToolScore, ToolSelector

TOOL_CHOICES = 1  # tools the embedder proposes; the 135M model picks worse than the embedder (docs/benchmarks.md)
NATIVE_TOOL_CHOICES = 3  # tools offered to a model with native tool calling, which fills the arguments itself
SMALL_MODEL_PARAMETERS = 1_000_000_000  # below this, "auto" picks in text order (measured: docs/benchmarks.md)
NATIVE_PROMPT = ("You work for a small business. When a tool computes or checks what the task asks, call it with the "
                 "task's own figures.")
CHOICE_PROMPT = ("You fill in a calculator call for a small-business task. Pick the call whose arguments put each "
                 "number of the task in its right place. Reply with the call as JSON.")


@dataclass
class LocalToolTurn:
    """What the tools did this turn: the runs, the answer built on them (None: the model answers) and why."""

    runs: list[ToolRun] = field(default_factory=list)
    answer: str | None = None
    confidence: float | None = None

    @property
    def observations(self) -> str:
        return "\n".join(f"Tool {r.name}({json.dumps(r.arguments)}) -> {r.observation}" for r in self.runs)

    def task_for_model(self, task: str) -> str:
        """The task as the model answers it: told what a tool that failed said."""
        return f"{task}\n\n(A tool was tried: {self.observations})" if self.runs else task


def _describe(scores: list[ToolScore]) -> str:
    return "\n".join(f"- {s.tool.name}({', '.join(s.tool.args)}): {s.tool.description}" for s in scores)


def pick_call(model: LocalChatModel, task: str, proposed: list[ToolScore], calls: list[ToolCall],
              **options: Any) -> tuple[ToolCall | None, bool]:
    """The model's pick among `calls` under an enum schema; (call, malformed)."""
    schema = {"enum": [{"tool": c.name, "arguments": c.arguments} for c in calls]}
    messages = [SystemMessage(CHOICE_PROMPT), HumanMessage(f"Task: {task}\n\nTools:\n{_describe(proposed)}")]
    reply = model.invoke(messages, json_schema=schema, max_new_tokens=256, **options)
    try:
        picked = json.loads(reply.text)
    except json.JSONDecodeError:
        return None, True
    for call in calls:
        if picked == {"tool": call.name, "arguments": call.arguments}:
            return call, False
    return None, True


def format_answer(run: ToolRun) -> str:
    """The figure first (so "the number only" tasks read it first), then how it was computed."""
    result = run.result
    if isinstance(result, dict) and "result" in result:
        working = f": {result['working']}" if result.get("working") else ""
        return f"{result['result']}\n\nComputed with the {run.name} tool{working}."
    return f"{result}\n\nComputed with the {run.name} tool."


def resolve_pick(pick: str, model: LocalChatModel) -> str:
    """"model" or "text-order" for `pick` ("auto": the model picks only when it is large enough to do it well)."""
    if pick != "auto":
        return pick
    size = model.parameter_count
    return "text-order" if size is not None and size < SMALL_MODEL_PARAMETERS else "model"


def run_local_tools(model: LocalChatModel, selector: ToolSelector, department: Department, task: str, *,
                    sensitive: bool, pick: str = "auto", choices: int | None = None,
                    **options: Any) -> LocalToolTurn:
    """One turn's tool use on the local model; an empty LocalToolTurn when no tool fits the task. `pick`: who
    picks among several candidate calls: "model" (under the enum schema), "text-order" (the task's numbers in
    the order it states them) or "auto"."""
    turn = LocalToolTurn()
    scores = [score for score in selector.candidates(department.name, task) if applies_to(score.tool, task)]
    if not scores:  # asked before the server, so a task no tool fits costs no request
        return turn
    if resolve_pick(pick, model) == "model" and model.has_native_tools:
        return _native_tool_turn(model, department, task, scores[: choices or NATIVE_TOOL_CHOICES],
                                 sensitive=sensitive)
    # the best tools whose arguments the task can fill (a tool needing three numbers cannot serve a task with one)
    fitting = [(score, candidate_calls(score.tool, task)) for score in scores]
    fitting = [(score, calls) for score, calls in fitting if calls][: choices or TOOL_CHOICES]
    proposed = [score for score, _ in fitting]
    calls = [call for _, tool_calls in fitting for call in tool_calls]
    if not calls:
        return turn
    call, chosen_by = calls[0], "the only call the task allows"
    if len(calls) > 1 and resolve_pick(pick, model) == "text-order":
        chosen_by = f"text order, the first of {len(calls)} calls"
    elif len(calls) > 1:
        picked, malformed = pick_call(model, task, proposed, calls, **options)
        call = picked or calls[0]
        chosen_by = (f"the first of {len(calls)} calls in text order: the model's reply was malformed" if malformed
                     else f"the model, of {len(calls)} calls")
    return _run_call(department, sensitive, call.name, call.arguments, chosen_by, proposed)


def _run_call(department: Department, sensitive: bool, name: str, arguments: dict[str, Any], chosen_by: str,
              proposed: list[ToolScore]) -> LocalToolTurn:
    runner = ToolRunner(department.tools, sensitive=sensitive)
    run = runner.call(name, arguments, chosen_by)
    turn = LocalToolTurn(runs=runner.runs)
    if run.error is None:
        turn.answer = format_answer(run)
        # how sure the choice of tool was (the embedder's score), never anything the tool returned
        turn.confidence = next((s.score for s in proposed if s.tool.name == name), None)
    return turn


def _native_tool_turn(model: LocalChatModel, department: Department, task: str, proposed: list[ToolScore], *,
                      sensitive: bool) -> LocalToolTurn:
    """The model calls one of the `proposed` tools by its server's own tool calling, or answers without one."""
    messages = [SystemMessage(NATIVE_PROMPT), HumanMessage(task)]
    called = model.native_tool_call(messages, [score.tool for score in proposed])
    if called is None:
        return LocalToolTurn()
    name, arguments = called
    return _run_call(department, sensitive, name, arguments,
                     f"the model, by native tool calling, of {len(proposed)} tools", proposed)
