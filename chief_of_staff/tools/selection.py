"""Which of a department's tools fits a task: nearest examples in the router's sentence embedding.

Measured in #14: SmolLM2-135M choosing the operation itself, under a JSON-schema grammar, got 0/16 calls right
with the bare schema and 2/16 with ten worked examples; nearest examples got 12/16. So on a small model the
embedder proposes the tools and the model only fills (and, given more than one candidate, picks) the call
(tools/calls.py). A tool's score is the mean cosine of the task to its TOP_K nearest examples. No tool fits, and
the department answers as before, when the best score is below MIN_SCORE or the department's NO_TOOL_EXAMPLES
(tasks it answers without a tool) score higher. MIN_SCORE was set on finance's training tasks
(docs/benchmarks.md, "Issue #14").
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from langchain_core.tools import BaseTool

from chief_of_staff.plugins.manifest import Department
from chief_of_staff.router import Embed
from chief_of_staff.tools.contract import examples_of

TOP_K = 2
MIN_SCORE = 0.40


@dataclass(frozen=True)
class ToolScore:
    tool: BaseTool
    score: float


class ToolSelector:
    """Built once from the departments' tools; never changed by a turn."""

    def __init__(self, departments: Iterable[Department], embed: Embed | None) -> None:
        self._embed = embed
        self._query = lru_cache(maxsize=16)(lambda task: embed([task])[0]) if embed else None  # (D,) per task
        self._tools: dict[str, list[tuple[BaseTool, np.ndarray]]] = {}
        self._no_tool: dict[str, np.ndarray] = {}
        for department in departments:
            if embed is None or not department.tools:
                continue
            self._tools[department.name] = [
                (tool, embed([*examples_of(tool), tool.description])) for tool in department.tools
            ]
            if department.no_tool_examples:
                self._no_tool[department.name] = embed(department.no_tool_examples)

    def has_tools(self, department: str) -> bool:
        return bool(self._tools.get(department))

    def rank(self, department: str, task: str) -> list[ToolScore]:
        """The department's tools, best first, with their scores in [0, 1]."""
        tools = self._tools.get(department)
        if not tools or self._embed is None:
            return []
        query = self._query(task)
        scored = [ToolScore(tool, _score(examples, query)) for tool, examples in tools]
        return sorted(scored, key=lambda s: s.score, reverse=True)

    def no_tool_score(self, department: str, task: str) -> float:
        """How closely the task resembles the department's tasks answered without a tool (0: none declared)."""
        examples = self._no_tool.get(department)
        return 0.0 if examples is None or self._query is None else _score(examples, self._query(task))

    def candidates(self, department: str, task: str) -> list[ToolScore]:
        """The tools that fit the task, best first: each scoring at least MIN_SCORE and above the department's
        no-tool examples."""
        floor = max(MIN_SCORE, self.no_tool_score(department, task))
        return [s for s in self.rank(department, task) if s.score > floor]


def _score(examples: np.ndarray, query: np.ndarray) -> float:
    similarities = np.sort(examples @ query)[::-1][:TOP_K]  # (TOP_K,) the nearest examples
    return float(max(0.0, similarities.mean()))
