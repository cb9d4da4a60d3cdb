"""Graph overhead per turn: the Chief of Staff graph around an instant stand-in model, in milliseconds.

Side by side in one run: calling the stand-in model directly, one graph turn with routing skipped
(--department) on an in-memory and on a SQLite checkpointer, and one full turn including routing. The overhead
is the graph turn minus the direct call (goal: <= 10 ms).

    .venv/bin/python bench/graph_overhead.py [--turns 200]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langgraph.checkpoint.memory import InMemorySaver
from timing import median_ms  # bench/timing.py (scripts run from bench/ have it on sys.path)

from chief_of_staff.context import Context, load_router
from chief_of_staff.graph import build_graph
from chief_of_staff.plugins.discovery import discover_departments
from chief_of_staff.settings import load_settings
from chief_of_staff.threads import open_checkpointer
from chief_of_staff.turns import run_turn

TASK = "Draft a short newsletter intro about our spring opening hours"


class InstantChatModel(BaseChatModel):
    """Answers at once with a fixed text; has the local-model surface the department node uses."""

    model_name: str = "instant"
    context_window: int = 8192

    @property
    def _llm_type(self) -> str:
        return "instant"

    def count_tokens(self, text: str) -> int:
        return len(text) // 4

    def truncate_to_tokens(self, text: str, max_tokens: int) -> str:
        return text[: max_tokens * 4]

    def _generate(self, messages: list, stop: Any = None, run_manager: Any = None, **kwargs: Any) -> ChatResult:
        message = AIMessage("Here is your intro.", response_metadata={"model_name": "instant", "backend": "bench"},
                            usage_metadata={"input_tokens": 1, "output_tokens": 1, "total_tokens": 2})
        return ChatResult(generations=[ChatGeneration(message=message)])


def per_turn_ms(fn, turns: int) -> float:
    return median_ms(fn, turns, warmup=5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=200)
    args = parser.parse_args()
    settings = load_settings()
    registry = discover_departments(settings)
    model = InstantChatModel()
    router = load_router(settings, registry)
    forced = Context(chat_model=model, router=router, departments=registry.departments, forced_department="content")
    routed = Context(chat_model=model, router=router, departments=registry.departments)
    messages = [("system", "You write copy."), ("user", TASK)]

    direct = per_turn_ms(lambda: model.invoke(messages), args.turns)
    memory_graph = build_graph(InMemorySaver())
    counter = iter(range(10**9))  # a fresh thread per turn: history does not grow
    in_memory = per_turn_ms(lambda: run_turn(memory_graph, forced, f"m{next(counter)}", TASK), args.turns)
    routed_ms = per_turn_ms(lambda: run_turn(memory_graph, routed, f"r{next(counter)}", TASK), args.turns)
    with tempfile.TemporaryDirectory() as tmp, open_checkpointer(Path(tmp) / "threads.sqlite") as saver:
        sqlite_graph = build_graph(saver)
        sqlite = per_turn_ms(lambda: run_turn(sqlite_graph, forced, f"s{next(counter)}", TASK), args.turns)

    print(f"graph overhead per turn, median of {args.turns} turns, instant stand-in model")
    print(f"  model called directly:                 {direct:7.2f} ms")
    print(f"  graph turn, in-memory checkpointer:    {in_memory:7.2f} ms  overhead {in_memory - direct:6.2f} ms")
    print(f"  graph turn, SQLite checkpointer:       {sqlite:7.2f} ms  overhead {sqlite - direct:6.2f} ms")
    print(f"  graph turn with routing ({router.method}): {routed_ms:7.2f} ms  "
          f"routing adds {routed_ms - in_memory:6.2f} ms")


if __name__ == "__main__":
    main()
