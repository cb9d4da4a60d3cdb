"""The Chief of Staff graph as LangGraph Server serves it: `langgraph dev` loads `graph` from here (langgraph.json).

The server keeps the threads (it refuses a graph that brings its own checkpointer) and can give a run only JSON as
its context, never the loaded model that the real graph's nodes read. So `graph` is a one-node parent graph over the
same state: its context is `RunOptions` (what a request may set), and its node answers the turn with the real graph
(graph.py) as a subgraph, on a Context loaded once per process on the first run (not at import: the server starts
in seconds). Being a subgraph, the real graph's tokens and node updates stream with `stream_subgraphs=True`.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import replace

from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime
from pydantic import BaseModel, ConfigDict, Field

from chief_of_staff.context import Context, load_context
from chief_of_staff.errors import ChiefOfStaffError
from chief_of_staff.graph import build_graph
from chief_of_staff.plugins.discovery import discover_departments
from chief_of_staff.settings import load_settings
from chief_of_staff.state import ChiefOfStaffState

log = logging.getLogger(__name__)


class RunOptions(BaseModel):
    """What a run's `context` may set, as `cos chat`'s flags do (Studio builds its context form from these)."""

    model_config = ConfigDict(extra="forbid")

    department: str | None = Field(None, description="Answer in this department instead of routing (`--department`).")
    critical: bool = Field(False, description="A critical decision: Claude Opus if allowed (`--critical`).")
    private: bool = Field(False, description="Sensitive: this thread never leaves the machine (`--private`).")


class RunError(ValueError):
    """A domain error (errors.py) as the server reports it. A ValueError because LangGraph Server shows a
    ValueError's message to the client and replaces any other exception's with "An internal error occurred"."""


_loaded: Context | None = None
_load_lock = threading.Lock()
# The local model is not thread-safe and a turn switches its adapter, so one turn runs at a time, as in `cos serve`.
_turn_lock = threading.Lock()
_chief_of_staff = build_graph()  # no checkpointer: as a subgraph it checkpoints through the server's


def default_context() -> Context:
    """This process's Context, loaded from the settings on first use (seconds: it loads the model)."""
    global _loaded
    with _load_lock:  # two first runs at once still load the model once
        if _loaded is None:
            settings = load_settings()
            registry = discover_departments(settings)
            for broken in registry.broken:
                log.warning("skipped broken department plugin %s: %s (fix: %s)", broken.path, broken.error, broken.fix)
            _loaded = load_context(settings, registry)
        return _loaded


def answer(state: ChiefOfStaffState, runtime: Runtime[RunOptions]) -> dict:
    options = runtime.context or RunOptions()
    try:
        # Per-run flags on the shared loaded model. `cancelled` is a fresh event that nothing sets: the server's
        # run cancellation does not reach a node's worker thread, so a cancelled run finishes its answer.
        context = replace(default_context(), forced_department=options.department, critical=options.critical,
                          private=options.private, cancelled=threading.Event())
        with _turn_lock:
            return _chief_of_staff.invoke(state, context=context)
    except ChiefOfStaffError as exc:
        raise RunError(f"{type(exc).__name__}: {exc}") from exc


def build_server_graph():
    """The compiled graph the server runs, without a checkpointer: the server brings its own."""
    builder = StateGraph(ChiefOfStaffState, context_schema=RunOptions)
    builder.add_node("chief_of_staff", answer)
    builder.add_edge(START, "chief_of_staff")
    builder.add_edge("chief_of_staff", END)
    return builder.compile(name="chief_of_staff")


graph = build_server_graph()
